package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WALEntry is one line of xlog.db, the catalogue of archived WAL files.
type WALEntry struct {
	Name        string  // file name (segment, .history, .backup ...), no spaces
	Size        int64   // bytes on disk, after compression
	Time        float64 // modification time, seconds since the epoch
	TimeText    string  // Time as read; written back as is when it still parses to Time
	Compression string  // "" when None
	Encryption  string  // "" when None (Barman 3.13+ only)
	Fields      int     // number of fields read (3, 4 or 5); 0 for a new entry
}

// isDecimalFloat reports whether s is a decimal number as Python writes
// floats (no inf, nan, hexadecimal or underscores).
func isDecimalFloat(s string) bool {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	n, _ := numberLen(s)
	return n > 0 && n == len(s)
}

// ParseXlogDBLine parses one xlog.db line. Fields are separated by any
// whitespace, as Python's str.split() separates them: name, size, time,
// then compression (3.0+) and encryption (3.13+); "None" is an unset
// compression or encryption. The entry's strings share line's memory.
func ParseXlogDBLine(line string) (WALEntry, error) {
	var f [5]string
	n, more := splitFields(line, &f)
	if n < 3 || more {
		count := n
		if more {
			count = len(strings.FieldsFunc(line, pyIsSpace))
		}
		return WALEntry{}, fmt.Errorf("want 3 to 5 fields (name size time [compression [encryption]]), found %d", count)
	}
	e := WALEntry{Name: f[0], TimeText: f[2], Fields: n}
	var err error
	if e.Size, err = strconv.ParseInt(f[1], 10, 64); err != nil || e.Size < 0 {
		return WALEntry{}, fmt.Errorf("invalid size %q", f[1])
	}
	if e.Time, err = strconv.ParseFloat(f[2], 64); err != nil || !isDecimalFloat(f[2]) || math.IsInf(e.Time, 0) {
		return WALEntry{}, fmt.Errorf("invalid time %q", f[2])
	}
	if n > 3 {
		e.Compression = noneToEmpty(f[3])
	}
	if n > 4 {
		e.Encryption = noneToEmpty(f[4])
	}
	return e, nil
}

// splitFields splits line at whitespace (Python's) into f, and says
// whether there were more fields than f holds.
func splitFields(line string, f *[5]string) (n int, more bool) {
	i := 0
	for {
		for i < len(line) {
			r, size := rune(line[i]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(line[i:])
			}
			if !pyIsSpace(r) {
				break
			}
			i += size
		}
		if i == len(line) {
			return n, false
		}
		start := i
		for i < len(line) {
			r, size := rune(line[i]), 1
			if r >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(line[i:])
			}
			if pyIsSpace(r) {
				break
			}
			i += size
		}
		if n == len(f) {
			return n, true
		}
		f[n] = line[start:i]
		n++
	}
}

func noneToEmpty(s string) string {
	if s == pyNone {
		return ""
	}
	return s
}

func emptyToNone(s string) string {
	if s == "" {
		return pyNone
	}
	return s
}

// Line returns the entry as Barman 3.4 writes it:
// "name\tsize\ttime\tcompression\n". An entry read with 3 or 5 fields
// keeps that many; a new entry gets 5 only when it has an encryption.
func (e WALEntry) Line() string { return string(e.AppendLine(nil)) }

// AppendLine appends Line to b.
func (e WALEntry) AppendLine(b []byte) []byte {
	b = append(b, e.Name...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, e.Size, 10)
	b = append(b, '\t')
	b = append(b, e.timeText()...)
	n := e.Fields
	if n == 0 || n == 3 && e.Compression != "" {
		n = 4
	}
	if e.Encryption != "" {
		n = 5
	}
	if n >= 4 {
		b = append(append(b, '\t'), emptyToNone(e.Compression)...)
	}
	if n == 5 {
		b = append(append(b, '\t'), emptyToNone(e.Encryption)...)
	}
	return append(b, '\n')
}

func (e WALEntry) timeText() string {
	if t, err := strconv.ParseFloat(e.TimeText, 64); err == nil && t == e.Time {
		return e.TimeText
	}
	return reprFloat(e.Time)
}

// MtimeSeconds returns t as Python's os.stat().st_mtime float.
func MtimeSeconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())*1e-9
}
