package catalog

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseBackupInfoLenient(t *testing.T) {
	in := "# comment\n\n  \t\nstatus = DONE \r\nfuture_key=some {value}\nsize=1\nsize=2\nerror=a=b\nbackup_name=\n" +
		"begin_time=2026-11-25 13:16:41\nend_time=2026-11-25T13:16:42.5Z\ntablespaces=[]\nlast=x"
	b, err := ParseBackupInfo(strings.NewReader(in), "bi")
	if err != nil {
		t.Fatal(err)
	}
	want := "backup_name=\nbegin_time=2026-11-25 13:16:41\nend_time=2026-11-25T13:16:42.5Z\nerror=a=b\n" +
		"future_key=some {value}\nlast=x\nsize=2\nstatus=DONE\ntablespaces=[]\n"
	if got := string(b.Marshal()); got != want {
		t.Errorf("Marshal:\n%s\nwant:\n%s", got, want)
	}
	if bt, _ := b.BeginTime(); bt.Location() != time.Local || bt.Hour() != 13 {
		t.Errorf("naive begin_time read as %v", bt)
	}
	if et, _ := b.EndTime(); et.Nanosecond() != 5e8 || et.Location() != time.UTC {
		t.Errorf("end_time read as %v", et)
	}
	if b.Tablespaces() == nil || len(b.Tablespaces()) != 0 || b.ErrorMessage() != "a=b" {
		t.Errorf("tablespaces %v error %q", b.Tablespaces(), b.ErrorMessage())
	}
}

func TestParseBackupInfoErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"status=DONE\nno equal sign\n", `bi:2: invalid line "no equal sign": want key=value`},
		{"=x\n", `bi:1: invalid key ""`},
		{"  #x=1\n", `bi:1: invalid key "#x"`},
		{"a b=1\n", `bi:1: invalid key "a b"`},
		{"1a=1\n", `bi:1: invalid key "1a"`},
		{"size=12k\n", `bi:1: invalid size "12k"`},
		{"timeline=4294967296\n", `bi:1: invalid timeline`},
		{"begin_time=yesterday\n", `bi:1: invalid begin_time "yesterday": want a time`},
		{"end_xlog=0/G\n", `bi:1: invalid end_xlog "0/G"`},
		{"\n\ntablespaces=[('a', 1)]\n", `bi:3: invalid tablespaces "[('a', 1)]": want a (name, oid, location) tuple, found ('a', 1)`},
		{"tablespaces=[('a', -1, '/x')]\n", `want a (name, oid, location) tuple`},
		{"tablespaces={}\n", `want a list literal`},
		{"included_files=['a', 1]\n", `want a list of str, found 1`},
		{"backup_label=START\n", `invalid backup_label "START": python literal: offset 0: unexpected "START"`},
		{"backup_label=1\n", `want a str literal`},
		{"copy_stats=[1]\n", `want a dict literal`},
		{"copy_stats={'a': 1\n", `missing '}'`},
		{"mode=\xff\n", `bi:1: line is not valid UTF-8`},
	}
	for _, tt := range tests {
		_, err := ParseBackupInfo(strings.NewReader(tt.in), "bi")
		var pe *ParseError
		if err == nil || !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseBackupInfo(%q) = %v, want error containing %q", tt.in, err, tt.want)
		}
	}
}

func TestBackupInfoSet(t *testing.T) {
	b := &BackupInfo{}
	for _, bad := range [][2]string{{"size", "x"}, {"bad key", "1"}, {"mode", "a\nb"}, {"mode", " a"}, {"begin_xlog", "1"}} {
		if err := b.Set(bad[0], bad[1]); err == nil {
			t.Errorf("Set(%q, %q) accepted", bad[0], bad[1])
		}
	}
	if err := b.Set("size", "None"); err != nil || b.IsSet("size") {
		t.Errorf("Set(size, None) = %v", err)
	}
	if err := b.Set("new_key", "anything [goes"); err != nil {
		t.Error(err)
	}
	b.SetString(KeyError, "  first line  \nsecond")
	b.SetLiteral(KeyCopyStats, PyDict{})
	b.SetTablespaces(nil)
	b.SetBackupLabel("")
	want := "copy_stats=None\nerror=first line\nnew_key=anything [goes\nsize=None\ntablespaces=None\nbackup_label=None\n"
	if got := string(b.Marshal()); !sameLines(got, want) {
		t.Errorf("Marshal:\n%s", got)
	}
	if b.Status() != StatusEmpty {
		t.Errorf("status of absent key: %q", b.Status())
	}
	b.SetNone(KeyStatus)
	if c := b.Clone(); c.Status() != "" || string(c.Marshal()) != string(b.Marshal()) {
		t.Errorf("clone status %q", c.Status())
	}
}

func sameLines(a, b string) bool {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	if len(la) != len(lb) {
		return false
	}
	seen := map[string]int{}
	for i := range la {
		seen[la[i]]++
		seen[lb[i]]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestFormatTime(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 11, 25, 13, 16, 41, 7953999, time.UTC), "2026-11-25 13:16:41.007953+00:00"},
		{time.Date(2026, 11, 25, 13, 16, 41, 0, time.UTC), "2026-11-25 13:16:41+00:00"},
		{time.Date(2026, 11, 25, 13, 16, 41, 999, time.UTC), "2026-11-25 13:16:41+00:00"},
		{time.Date(2026, 1, 2, 3, 4, 5, 100000, time.FixedZone("", -(5*3600+30*60))), "2026-01-02 03:04:05.000100-05:30"},
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600+30*60+15)), "2026-01-02 03:04:05+01:30:15"},
	}
	for _, tt := range tests {
		got := formatTime(tt.t)
		if got != tt.want {
			t.Errorf("formatTime(%v) = %s, want %s", tt.t, got, tt.want)
		}
		back, err := parseTime(got)
		if err != nil || !back.Equal(tt.t.Truncate(time.Microsecond)) {
			t.Errorf("parseTime(%s) = %v, %v", got, back, err)
		}
	}
}
