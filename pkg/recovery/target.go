package recovery

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/walname"
)

// Target is what a recovery aims at. The zero value recovers to the end of
// the archived WAL.
type Target struct {
	Time      time.Time // zero: none
	XID       uint32    // 0: none
	LSN       walname.LSN
	HasLSN    bool
	Name      string // restore point
	Immediate bool   // end of the backup (consistency)
	Exclusive bool   // stop just before the target
	TLI       string // "", "current", "latest" or a number
	Action    string // pause, promote, shutdown
}

// Kind names the target type ("time", "xid", "lsn", "name",
// "immediate"), "" when there is none.
func (t Target) Kind() string {
	switch {
	case !t.Time.IsZero():
		return "time"
	case t.XID != 0:
		return "xid"
	case t.HasLSN:
		return "lsn"
	case t.Name != "":
		return "name"
	case t.Immediate:
		return "immediate"
	}
	return ""
}

// IsPITR reports whether a point-in-time recovery is asked for (any
// target, or a timeline).
func (t Target) IsPITR() bool { return t.Kind() != "" || t.TLI != "" }

// String describes the target for people ("Recovery target time:
// '2026-11-25 13:17:01+00:00'").
func (t Target) String() string {
	switch t.Kind() {
	case "time":
		return fmt.Sprintf("Recovery target time: '%s'", FormatTime(t.Time))
	case "xid":
		return fmt.Sprintf("Recovery target xid: '%d'", t.XID)
	case "lsn":
		return fmt.Sprintf("Recovery target LSN: '%s'", t.LSN)
	case "name":
		return fmt.Sprintf("Recovery target name: '%s'", t.Name)
	case "immediate":
		return "Recovery target: 'immediate' (the end of the backup)"
	}
	if t.TLI != "" {
		return fmt.Sprintf("Target timeline: '%s'", t.TLI)
	}
	return "Recovery to the end of the archived WAL"
}

// FormatTime writes a target time as PostgreSQL reads it, with an explicit
// offset: "2026-11-25 13:17:01.123456+00:00".
func FormatTime(t time.Time) string {
	return t.Format("2006-01-02 15:04:05.999999-07:00")
}

var timeLayouts = []string{
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999 MST",
	"2006-01-02 15:04:05.999999999 Z07:00",
}

var naiveLayouts = []string{
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04",
	"2006-01-02",
}

// ParseTime parses a --target-time. A time without a zone is taken in loc
// (the Barman host's zone, as Barman does); naive reports it so that the
// caller can warn.
func ParseTime(s string, loc *time.Location) (t time.Time, naive bool, err error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, false, nil
		}
	}
	for _, l := range naiveLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("--target-time %q is not a time: write it as 'YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]'", s)
}

// ParseXID parses a --target-xid: a 32-bit transaction id, as
// txid_current() % 2^32 or pg_current_xact_id() show it (an epoch-qualified
// 64-bit value is reduced).
func ParseXID(s string) (uint32, error) {
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || uint32(v) < 3 {
		return 0, fmt.Errorf("--target-xid %q is not a transaction id: want a number of at least 3, as txid_current() shows it", s)
	}
	return uint32(v), nil
}

// ParseTLI checks a --target-tli: a number, "current" or "latest".
func ParseTLI(s string) (string, error) {
	switch s {
	case "", "current", "latest":
		return s, nil
	}
	if n, err := strconv.ParseUint(s, 10, 32); err != nil || n == 0 {
		return "", fmt.Errorf("--target-tli %q: want a timeline number, 'current' or 'latest'", s)
	}
	return s, nil
}
