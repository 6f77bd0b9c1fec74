package config

import (
	"bufio"
	"bytes"
	"fmt"
	"strings"
)

// rawFile is one configuration file: its sections in file order with the
// line of every key. Values come from gopkg.in/ini.v1; the scan here
// gives the positions and catches lines that are not INI at all.
type rawFile struct {
	Path     string
	Sections []*rawSection
}

type rawSection struct {
	Name string
	Line int
	Keys map[string]rawValue
	// Order keeps keys in file order.
	Order []string
}

type rawValue struct {
	Text string
	Line int
}

func (f *rawFile) section(name string) *rawSection {
	for _, s := range f.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// scanLines checks the syntax of an INI file as Python's ConfigParser reads
// it and records where each section and key starts.
func scanLines(path string, data []byte) (*rawFile, []Problem) {
	f := &rawFile{Path: path}
	var probs []Problem
	var cur *rawSection
	lastKey := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trim := strings.TrimSpace(line)
		switch {
		case trim == "" || trim[0] == '#' || trim[0] == ';':
			if trim == "" {
				lastKey = ""
			}
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil || lastKey == "" {
				probs = append(probs, Problem{Pos: Pos{path, n}, Msg: "indented line continues no option: remove the leading spaces"})
			}
		case trim[0] == '[':
			name, ok := sectionName(trim)
			if !ok {
				probs = append(probs, Problem{Pos: Pos{path, n}, Msg: fmt.Sprintf("bad section header %q (expected [name])", trim)})
				continue
			}
			cur = f.section(name)
			if cur == nil {
				cur = &rawSection{Name: name, Line: n, Keys: map[string]rawValue{}}
				f.Sections = append(f.Sections, cur)
			}
			lastKey = ""
		default:
			key, val, ok := splitKey(line)
			if !ok {
				probs = append(probs, Problem{Pos: Pos{path, n}, Msg: fmt.Sprintf("line %q is not `key = value`, a [section] or a comment", trim)})
				lastKey = ""
				continue
			}
			if cur == nil {
				probs = append(probs, Problem{Pos: Pos{path, n}, Key: key, Msg: "option outside any section: put it under [barman] or a [server] section"})
				continue
			}
			if _, dup := cur.Keys[key]; !dup {
				cur.Order = append(cur.Order, key)
			}
			cur.Keys[key] = rawValue{Text: val, Line: n}
			lastKey = key
		}
	}
	if err := sc.Err(); err != nil {
		probs = append(probs, Problem{Pos: Pos{path, 0}, Msg: fmt.Sprintf("cannot read: %v", err)})
	}
	return f, probs
}

func sectionName(trim string) (string, bool) {
	if !strings.HasSuffix(trim, "]") || len(trim) < 3 {
		return "", false
	}
	name := strings.TrimSpace(trim[1 : len(trim)-1])
	if name == "" || strings.ContainsAny(name, "[]") {
		return "", false
	}
	return name, true
}

// splitKey splits "key = value" or "key: value" at the first delimiter.
func splitKey(line string) (key, val string, ok bool) {
	i := strings.IndexAny(line, "=:")
	if i <= 0 {
		return "", "", false
	}
	key = strings.ToLower(strings.TrimSpace(line[:i]))
	if key == "" {
		return "", "", false
	}
	return key, strings.TrimSpace(line[i+1:]), true
}
