package config

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// GlobalSection is the name of the section of global options.
const GlobalSection = "barman"

// Value is the effective value of one option.
type Value struct {
	Text string // unquoted, interpolated
	Set  bool   // false: unset (no value, None, or empty)
	Pos  Pos    // where it was set; zero for a built-in default
	From string // "server", "global" or "default"
}

// Section holds the effective values of one section.
type Section struct {
	Name   string
	Pos    Pos
	Values map[string]Value
}

// Get returns the text of an option, "" when unset.
func (s *Section) Get(key string) string { return s.Values[key].Text }

// IsSet reports whether an option has a value.
func (s *Section) IsSet(key string) bool { return s.Values[key].Set }

// Bool returns a boolean option (false when unset).
func (s *Section) Bool(key string) bool {
	b, _ := ParseBool(s.Get(key))
	return b
}

// Int returns an integer option (0 when unset).
func (s *Section) Int(key string) int {
	n, _ := strconv.Atoi(s.Get(key))
	return n
}

// Keys returns the option names of the section, sorted.
func (s *Section) Keys() []string {
	keys := make([]string, 0, len(s.Values))
	for k := range s.Values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Config is a loaded, validated configuration.
type Config struct {
	// MainFile is the main configuration file; Files lists every file read.
	MainFile string
	Files    []string
	Global   *Section
	// Servers are the server sections, sorted by name. Models are left out.
	Servers  []*Section
	Warnings []Problem
}

// Server returns the named server, or nil.
func (c *Config) Server(name string) *Section {
	for _, s := range c.Servers {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ServerNames returns the names of the configured servers, sorted.
func (c *Config) ServerNames() []string {
	names := make([]string, len(c.Servers))
	for i, s := range c.Servers {
		names[i] = s.Name
	}
	return names
}

// Unimplemented lists the options set for a server (or inherited from
// [barman]) that barman accepts but does not act on yet.
func (c *Config) Unimplemented(server *Section) []string {
	opts := Options()
	var out []string
	for _, k := range server.Keys() {
		v := server.Values[k]
		if v.From != "default" && v.Set && !opts[k].Implemented {
			out = append(out, k)
		}
	}
	return out
}

// entry is a raw value with its position, after merging files.
type entry struct {
	Text string
	Pos  Pos
}

// merged is the union of the sections of all files read.
type merged struct {
	order    []string
	sections map[string]map[string]entry
	pos      map[string]Pos
}

func (m *merged) add(f *rawFile) {
	for _, s := range f.Sections {
		if _, ok := m.sections[s.Name]; !ok {
			m.order = append(m.order, s.Name)
			m.sections[s.Name] = map[string]entry{}
			m.pos[s.Name] = Pos{f.Path, s.Line}
		}
		for _, k := range s.Order {
			v := s.Keys[k]
			m.sections[s.Name][k] = entry{Text: unquote(v.Text), Pos: Pos{f.Path, v.Line}}
		}
	}
}

// builder resolves effective values and collects problems.
type builder struct {
	m        *merged
	opts     map[string]Option
	errs     []Problem
	warnings []Problem
	// includeErrs are the syntax problems of included files.
	includeErrs []Problem
}

func (b *builder) errorf(p Pos, sec, key, format string, args ...any) {
	b.errs = append(b.errs, Problem{Pos: p, Section: sec, Key: key, Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) warnf(p Pos, sec, key, format string, args ...any) {
	b.warnings = append(b.warnings, Problem{Pos: p, Section: sec, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// rawLookup returns the raw text a %(name)s reference resolves to, for
// section sec (GlobalSection for the global one).
func (b *builder) rawLookup(sec string) func(string) (string, bool) {
	global := b.m.sections[GlobalSection]
	own := b.m.sections[sec]
	return func(name string) (string, bool) {
		if name == "name" && sec != GlobalSection {
			return sec, true
		}
		if e, ok := own[name]; ok {
			return e.Text, true
		}
		if e, ok := global[name]; ok && b.opts[name].Scope != ServerOnly {
			return e.Text, true
		}
		if o, ok := b.opts[name]; ok {
			return o.Default, true
		}
		return "", false
	}
}

// resolve computes the effective value of option o in section sec.
func (b *builder) resolve(sec string, o Option) Value {
	global := b.m.sections[GlobalSection]
	e, ok := b.m.sections[sec][o.Name]
	from := "server"
	if sec == GlobalSection {
		from = "global"
	}
	if !ok && sec != GlobalSection && o.Scope != ServerOnly {
		e, ok = global[o.Name]
		from = "global"
	}
	if ok && isUnset(e.Text) {
		return Value{Pos: e.Pos, From: from}
	}
	if !ok {
		e, from = entry{Text: o.Default}, "default"
	}
	text, err := interpolate(e.Text, b.rawLookup(sec), 0)
	if err != nil {
		b.errorf(e.Pos, sec, o.Name, "%v", err)
		return Value{Pos: e.Pos, From: from}
	}
	if text == "" {
		return Value{Pos: e.Pos, From: from}
	}
	if err := o.Kind.Check(text); err != nil {
		b.errorf(e.Pos, sec, o.Name, "%v", err)
	}
	return Value{Text: text, Set: true, Pos: e.Pos, From: from}
}

// section builds the effective values of a section and warns about keys
// that do not belong there.
func (b *builder) section(name string) *Section {
	s := &Section{Name: name, Pos: b.m.pos[name], Values: map[string]Value{}}
	isGlobal := name == GlobalSection
	for k, e := range b.m.sections[name] {
		o, known := b.opts[k]
		switch {
		case !known:
			b.warnf(e.Pos, name, k, "invalid configuration option %q in [%s] section (unknown option: check its spelling)", k, name)
		case isGlobal && o.Scope == ServerOnly:
			b.warnf(e.Pos, name, k, "%q is a server option and is ignored in [barman]: move it into a server section", k)
		case !isGlobal && o.Scope == GlobalOnly:
			b.warnf(e.Pos, name, k, "%q is a global option and is ignored in a server section: move it into [barman]", k)
		}
	}
	for _, o := range b.opts {
		if isGlobal && o.Scope == ServerOnly || !isGlobal && o.Scope == GlobalOnly {
			continue
		}
		s.Values[o.Name] = b.resolve(name, o)
	}
	return s
}

// checkServers applies the cross-server rules: reserved names and
// directories shared by two servers.
func (b *builder) checkServers(servers []*Section) {
	owner := map[string]string{}
	for _, s := range servers {
		if s.Name == "all" {
			b.errorf(s.Pos, s.Name, "", "\"all\" is reserved (it means every server): rename the section")
		}
		for _, k := range []string{"backup_directory", "basebackups_directory", "wals_directory", "incoming_wals_directory", "streaming_wals_directory", "errors_directory"} {
			dir := filepath.Clean(s.Get(k))
			if dir == "." {
				continue
			}
			if other, ok := owner[dir]; ok && other != s.Name {
				v := s.Values[k]
				b.errorf(v.Pos, s.Name, k, "directory %q is also used by server %q: each server needs its own directories", dir, other)
			}
			owner[dir] = s.Name
		}
	}
}

func sortProblems(p []Problem) {
	sort.SliceStable(p, func(i, j int) bool {
		if p[i].Pos.File != p[j].Pos.File {
			return p[i].Pos.File < p[j].Pos.File
		}
		if p[i].Pos.Line != p[j].Pos.Line {
			return p[i].Pos.Line < p[j].Pos.Line
		}
		return strings.Compare(p[i].Key, p[j].Key) < 0
	})
}
