package backups

import (
	"fmt"
	"math"
	"strings"
	"time"
)

var sizeUnits = []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}

// PrettySize writes a size as Barman's pretty_size: binary units, one
// decimal, whole bytes below 1 KiB ("0 B", "16.2 KiB", "37.7 MiB").
func PrettySize(size float64) string {
	for i, unit := range sizeUnits {
		if math.Abs(size) < 1024 || i == len(sizeUnits)-1 {
			if i == 0 {
				return fmt.Sprintf("%d %s", int64(size), unit)
			}
			return fmt.Sprintf("%.1f %s", size, unit)
		}
		size /= 1024
	}
	panic("unreachable")
}

// Seconds converts Python float seconds to a duration as
// datetime.timedelta does: rounded to the microsecond.
func Seconds(s float64) time.Duration {
	return time.Duration(math.RoundToEven(s*1e6)) * time.Microsecond
}

// Duration writes d as Barman's human_readable_timedelta: "1 day, 2 hours,
// 1 minute, 5 seconds", "less than one second", with " ago" when negative.
func Duration(d time.Duration) string {
	delta := d.Abs()
	const day = 24 * time.Hour
	secs := int64(delta % day / time.Second)
	var parts []string
	for _, p := range []struct {
		n    int64
		unit string
	}{{int64(delta / day), "day"}, {secs / 3600, "hour"}, {secs / 60 % 60, "minute"}, {secs % 60, "second"}} {
		switch {
		case p.n == 1:
			parts = append(parts, "1 "+p.unit)
		case p.n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", p.n, p.unit))
		}
	}
	human := strings.Join(parts, ", ")
	if delta < time.Second {
		human = "less than one second"
	}
	if d < 0 {
		human += " ago"
	}
	return human
}

// Ctime writes t as Python's datetime.ctime(): "Wed Nov 25 15:28:57 2026",
// in t's own time zone.
func Ctime(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }

// PyTime writes t as Python's str() of an aware datetime:
// "2026-11-25 15:28:49.049404+00:00", microseconds only when not zero.
func PyTime(t time.Time) string {
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

// Percent writes a ratio as Python's "{:.2%}": 0.9977 gives "99.77%".
func Percent(r float64) string { return fmt.Sprintf("%.2f%%", r*100) }
