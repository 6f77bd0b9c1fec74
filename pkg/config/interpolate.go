package config

import (
	"errors"
	"fmt"
	"strings"
)

var errTooDeep = errors.New("interpolation is too deep (a loop of %(name)s references?)")

// interpolate expands %(name)s references with lookup and %% to %.
// lookup returns the effective value of another key and whether it exists.
// The errors point into the value by byte and do not quote it: the value
// may be a conninfo with a password (one with a % in it is a likely
// mistake), and the caller names the file, line and option.
func interpolate(v string, lookup func(string) (string, bool), depth int) (string, error) {
	if !strings.Contains(v, "%") {
		return v, nil
	}
	if depth > 10 {
		return "", errTooDeep
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c != '%' {
			b.WriteByte(c)
			continue
		}
		rest := v[i+1:]
		switch {
		case strings.HasPrefix(rest, "%"):
			b.WriteByte('%')
			i++
		case strings.HasPrefix(rest, "("):
			end := strings.Index(rest, ")s")
			if end < 0 {
				return "", fmt.Errorf("bad interpolation at byte %d of the value: expected %%(name)s; write %%%% for a literal %%", i+1)
			}
			name := strings.ToLower(rest[1:end])
			val, ok := lookup(name)
			if !ok {
				return "", fmt.Errorf("%%(%s)s at byte %d of the value refers to no option", name, i+1)
			}
			exp, err := interpolate(val, lookup, depth+1)
			if errors.Is(err, errTooDeep) {
				return "", err
			}
			if err != nil {
				return "", fmt.Errorf("in %%(%s)s: %w", name, err)
			}
			b.WriteString(exp)
			i += end + 2
		default:
			return "", fmt.Errorf("bad %% at byte %d of the value: write %%%% for a literal %% or %%(name)s for a reference", i+1)
		}
	}
	return b.String(), nil
}
