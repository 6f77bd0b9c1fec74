package catalog

import (
	"fmt"
	"time"
)

// Layouts of the times read from backup.info. Barman writes
// str(datetime): "2026-11-25 13:16:41.007953+00:00"; older files may hold
// naive times, which are read in the local time zone as Barman does.
// Fractional seconds are accepted after the seconds by every layout.
func timeLayouts() (zoned, naive []string) {
	for _, sep := range []string{" ", "T"} {
		base := "2006-01-02" + sep + "15:04:05"
		zoned = append(zoned, base+"Z07:00", base+"Z07:00:00", base+"Z0700", base+"Z07")
		naive = append(naive, base)
	}
	return zoned, naive
}

// parseTime parses a backup.info time.
func parseTime(s string) (time.Time, error) {
	zoned, naive := timeLayouts()
	for _, l := range zoned {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	for _, l := range naive {
		if t, err := time.ParseInLocation(l, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("want a time like 2006-01-02 15:04:05.000000+00:00")
}

// formatTime formats t as Python's str(datetime) with a time zone: the
// microseconds are left out when zero, the offset is "+HH:MM" (with
// ":SS" only when it has seconds).
func formatTime(t time.Time) string {
	t = t.Truncate(time.Microsecond)
	layout := "2006-01-02 15:04:05"
	if t.Nanosecond() != 0 {
		layout += ".000000"
	}
	if _, off := t.Zone(); off%60 != 0 {
		return t.Format(layout + "-07:00:00")
	}
	return t.Format(layout + "-07:00")
}
