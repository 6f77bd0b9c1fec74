package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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
// compression or encryption.
func ParseXlogDBLine(line string) (WALEntry, error) {
	f := strings.FieldsFunc(line, pyIsSpace)
	if len(f) < 3 || len(f) > 5 {
		return WALEntry{}, fmt.Errorf("want 3 to 5 fields (name size time [compression [encryption]]), found %d", len(f))
	}
	e := WALEntry{Name: f[0], TimeText: f[2], Fields: len(f)}
	var err error
	if e.Size, err = strconv.ParseInt(f[1], 10, 64); err != nil || e.Size < 0 {
		return WALEntry{}, fmt.Errorf("invalid size %q", f[1])
	}
	if e.Time, err = strconv.ParseFloat(f[2], 64); err != nil || !isDecimalFloat(f[2]) || math.IsInf(e.Time, 0) {
		return WALEntry{}, fmt.Errorf("invalid time %q", f[2])
	}
	if len(f) > 3 {
		e.Compression = noneToEmpty(f[3])
	}
	if len(f) > 4 {
		e.Encryption = noneToEmpty(f[4])
	}
	return e, nil
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
func (e WALEntry) Line() string {
	f := []string{e.Name, strconv.FormatInt(e.Size, 10), e.timeText()}
	n := e.Fields
	if n == 0 || n == 3 && e.Compression != "" {
		n = 4
	}
	if e.Encryption != "" {
		n = 5
	}
	if n >= 4 {
		f = append(f, emptyToNone(e.Compression))
	}
	if n == 5 {
		f = append(f, emptyToNone(e.Encryption))
	}
	return strings.Join(f, "\t") + "\n"
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
