package walname

import "strings"

const hexDigits = "0123456789ABCDEF"

// hex8 formats v as 8 upper-case hexadecimal digits.
func hex8(v uint32) string {
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = hexDigits[v&0xF]
		v >>= 4
	}
	return string(b[:])
}

// parseHex8 parses exactly 8 upper-case hexadecimal digits.
func parseHex8(s string) (uint32, bool) {
	if len(s) != 8 {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(hexDigits, s[i])
		if d < 0 {
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

// parse parses a WAL file name; ok is false for an unknown name.
func parse(name string) (n Name, ok bool) {
	if len(name) < 8 {
		return Name{}, false
	}
	if n.Timeline, ok = parseHex8(name[:8]); !ok {
		return Name{}, false
	}
	rest := name[8:]
	if rest == ".history" {
		n.Kind = History
		return n, true
	}
	if len(rest) < 16 {
		return Name{}, false
	}
	n.Log, ok = parseHex8(rest[:8])
	if ok {
		n.Seg, ok = parseHex8(rest[8:16])
	}
	if !ok {
		return Name{}, false
	}
	return parseSuffix(n, rest[16:])
}

// parseSuffix finishes parsing a name after its 24-digit segment part.
func parseSuffix(n Name, suffix string) (Name, bool) {
	switch {
	case suffix == "":
		n.Kind = Segment
	case suffix == ".partial":
		n.Kind = Partial
	case len(suffix) == 16 && suffix[0] == '.' && strings.HasSuffix(suffix, ".backup"):
		off, ok := parseHex8(suffix[1:9])
		if !ok {
			return Name{}, false
		}
		n.Kind, n.Offset = BackupLabel, off
	default:
		return Name{}, false
	}
	return n, true
}
