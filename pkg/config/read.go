package config

import (
	"fmt"
	"os"
	"strings"

	"gopkg.in/ini.v1"
)

// readFile reads one configuration file: scanLines gives syntax errors
// with their line, gopkg.in/ini.v1 gives the values (multi-line values
// included) the way Python's ConfigParser reads them.
func readFile(path string) (*rawFile, []Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read configuration file: %w", err)
	}
	f, probs := scanLines(path, data)
	if len(probs) > 0 {
		return f, probs, nil
	}
	parsed, err := ini.LoadSources(ini.LoadOptions{
		IgnoreInlineComment:        true,
		AllowPythonMultilineValues: true,
		InsensitiveKeys:            true,
		IgnoreContinuation:         true,
		PreserveSurroundedQuote:    true,
		KeyValueDelimiters:         "=:",
		SkipUnrecognizableLines:    false,
	}, data)
	if err != nil {
		return f, []Problem{{Pos: Pos{File: path}, Msg: fmt.Sprintf("cannot parse: %v", err)}}, nil
	}
	for _, s := range f.Sections {
		sec, err := parsed.GetSection(s.Name)
		if err != nil {
			continue
		}
		for _, k := range s.Order {
			if key, err := sec.GetKey(k); err == nil {
				v := s.Keys[k]
				v.Text = joinContinuation(key.Value())
				s.Keys[k] = v
			}
		}
	}
	return f, nil, nil
}

// unquote strips one pair of surrounding single or double quotes, as Barman does.
func unquote(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return v[1 : len(v)-1]
	}
	return v
}

// isUnset reports whether a raw value means "unset" (empty or None).
func isUnset(v string) bool {
	return v == "" || v == "None"
}

// joinContinuation strips the indentation of continuation lines, as
// ConfigParser does for multi-line values.
func joinContinuation(v string) string {
	if !strings.Contains(v, "\n") {
		return v
	}
	lines := strings.Split(v, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.Join(lines, "\n")
}
