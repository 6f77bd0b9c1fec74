package throttle

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseTablespaceLimits parses tablespace_bandwidth_limit: whitespace- or
// comma-separated NAME:KBPS pairs, in KiB per second as bandwidth_limit
// (0: no limit for that tablespace). A malformed pair is an error quoting
// it.
func ParseTablespaceLimits(value string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, pair := range strings.FieldsFunc(value, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		name, limit, ok := strings.Cut(pair, ":")
		n, err := strconv.ParseInt(strings.TrimSpace(limit), 10, 64)
		if !ok || name == "" || err != nil || n < 0 {
			return nil, fmt.Errorf("tablespace_bandwidth_limit: %q is not NAME:KBPS (e.g. tbs1:1000)", pair)
		}
		out[name] = n
	}
	return out, nil
}
