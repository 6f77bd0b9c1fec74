package backups

import (
	"testing"
	"time"
)

func TestPrettySize(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1023.9, "1023 B"}, {1024, "1.0 KiB"}, {16549, "16.2 KiB"},
		{1499220, "1.4 MiB"}, {39550120, "37.7 MiB"}, {-9646899.2, "-9.2 MiB"},
		{25319025.426198315, "24.1 MiB"}, {1 << 40, "1.0 TiB"}, {1 << 90, "1024.0 YiB"},
	} {
		if got := PrettySize(tc.in); got != tc.want {
			t.Errorf("PrettySize(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDuration(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "less than one second"},
		{999 * time.Millisecond, "less than one second"},
		{Seconds(1.442414), "1 second"},
		{Seconds(59.9999999), "1 minute"}, // timedelta rounds to the microsecond
		{2*time.Hour + 61*time.Second, "2 hours, 1 minute, 1 second"},
		{26*time.Hour + 2*time.Minute, "1 day, 2 hours, 2 minutes"},
		{49 * time.Hour, "2 days, 1 hour"},
		{-90 * time.Second, "1 minute, 30 seconds ago"},
		{-time.Millisecond, "less than one second ago"},
	} {
		if got := Duration(tc.in); got != tc.want {
			t.Errorf("Duration(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTimes(t *testing.T) {
	zone := time.FixedZone("", -5*3600)
	tm := time.Date(2026, 11, 5, 15, 28, 57, 722756000, zone)
	if got := Ctime(tm); got != "Thu Nov  5 15:28:57 2026" {
		t.Errorf("Ctime = %q", got)
	}
	if got := PyTime(tm); got != "2026-11-05 15:28:57.722756-05:00" {
		t.Errorf("PyTime = %q", got)
	}
	if got := PyTime(tm.Truncate(time.Second)); got != "2026-11-05 15:28:57-05:00" {
		t.Errorf("PyTime whole second = %q", got)
	}
	for r, want := range map[float64]string{0.9977731: "99.78%", 0: "0.00%", 1: "100.00%", 0.99904: "99.90%"} {
		if got := Percent(r); got != want {
			t.Errorf("Percent(%v) = %q, want %q", r, got, want)
		}
	}
}
