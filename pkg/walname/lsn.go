package walname

import (
	"fmt"
	"strconv"
	"strings"
)

// LSN is a PostgreSQL log sequence number, a byte position in the WAL.
type LSN uint64

// ParseLSN parses the text form "X/Y" PostgreSQL uses: two groups of 1 to 8
// hexadecimal digits (either case), the high and low 32 bits.
func ParseLSN(s string) (LSN, error) {
	hi, lo, ok := strings.Cut(s, "/")
	if !ok {
		return 0, fmt.Errorf("invalid LSN %q: missing \"/\"", s)
	}
	h, err1 := parseHexGroup(hi)
	l, err2 := parseHexGroup(lo)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("invalid LSN %q: want 1 to 8 hexadecimal digits on each side of \"/\"", s)
	}
	return LSN(h<<32 | l), nil
}

// parseHexGroup parses 1 to 8 hexadecimal digits without sign or prefix.
func parseHexGroup(s string) (uint64, error) {
	if len(s) == 0 || len(s) > 8 || s[0] == '+' || s[0] == '-' {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseUint(s, 16, 32)
}

// String formats l as PostgreSQL does: "%X/%X".
func (l LSN) String() string {
	return fmt.Sprintf("%X/%X", uint64(l)>>32, uint64(l)&0xFFFFFFFF)
}
