package config

import (
	"fmt"
	"strings"
)

// interpolate expands %(name)s references with lookup and %% to %.
// lookup returns the effective value of another key and whether it exists.
func interpolate(v string, lookup func(string) (string, bool), depth int) (string, error) {
	if !strings.Contains(v, "%") {
		return v, nil
	}
	if depth > 10 {
		return "", fmt.Errorf("interpolation of %q is too deep (a loop of %%(name)s references?)", v)
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
				return "", fmt.Errorf("bad interpolation in %q: expected %%(name)s; write %%%% for a literal %%", v)
			}
			name := strings.ToLower(rest[1:end])
			val, ok := lookup(name)
			if !ok {
				return "", fmt.Errorf("%%(%s)s in %q refers to no option", name, v)
			}
			exp, err := interpolate(val, lookup, depth+1)
			if err != nil {
				return "", err
			}
			b.WriteString(exp)
			i += end + 2
		default:
			return "", fmt.Errorf("bad %% in %q: write %%%% for a literal %% or %%(name)s for a reference", v)
		}
	}
	return b.String(), nil
}
