package recoverjob

import (
	"errors"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/server"
)

func TestTargetParse(t *testing.T) {
	for _, tc := range []struct {
		name    string
		t       Target
		kind    string // the parsed target's kind
		action  string
		warning string // part of the one warning, if any
		err     string // part of the error, if any
	}{
		{name: "none", t: Target{}},
		{name: "time with a zone", t: Target{Time: "2026-11-25 13:16:41+01"}, kind: "time", action: "pause"},
		{name: "time without a zone", t: Target{Time: "2026-11-25 13:16:41"}, kind: "time", action: "pause", warning: "has no time zone"},
		{name: "xid promote", t: Target{XID: "1234", Action: "promote"}, kind: "xid", action: "promote"},
		{name: "lsn", t: Target{LSN: "0/6000028", Exclusive: true}, kind: "lsn", action: "pause"},
		{name: "bad lsn", t: Target{LSN: "6000028"}, err: "--target-lsn"},
		{name: "name", t: Target{Name: "rp1"}, kind: "name", action: "pause"},
		{name: "immediate", t: Target{Immediate: true}, kind: "immediate", action: "pause"},
		{name: "two targets", t: Target{Name: "rp1", XID: "5"}, err: "--target-xid and --target-name cannot be used together"},
		{name: "exclusive without a target", t: Target{Exclusive: true}, err: "--exclusive needs"},
		{name: "exclusive with a name", t: Target{Name: "rp1", Exclusive: true}, err: "--exclusive needs"},
		{name: "action without a target", t: Target{Action: "promote"}, err: "--target-action needs a recovery target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings, err := tc.t.Parse()
			if tc.err != "" {
				var te *TargetError
				if err == nil || !strings.Contains(err.Error(), tc.err) || !errors.As(err, &te) {
					t.Fatalf("error %v, want a *TargetError saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Kind() != tc.kind || got.Action != tc.action {
				t.Errorf("kind %q action %q, want %q %q", got.Kind(), got.Action, tc.kind, tc.action)
			}
			if (tc.warning == "") != (len(warnings) == 0) || (tc.warning != "" && !strings.Contains(warnings[0], tc.warning)) {
				t.Errorf("warnings %q, want one saying %q", warnings, tc.warning)
			}
		})
	}
}

func TestParseRelocation(t *testing.T) {
	for _, tc := range []struct{ in, name, loc string }{
		{"tbs1:/srv/tbs1", "tbs1", "/srv/tbs1"},
		{"tbs1:/srv/a:b", "tbs1", "/srv/a:b"},
		{"tbs1:relative", "", ""},
		{":/srv/x", "", ""},
		{"tbs1", "", ""},
	} {
		name, loc, err := ParseRelocation(tc.in)
		if (err != nil) != (tc.name == "") || name != tc.name || loc != tc.loc {
			t.Errorf("ParseRelocation(%q) = %q, %q, %v; want %q, %q", tc.in, name, loc, err, tc.name, tc.loc)
		}
	}
}

// TestSettings: the command line wins over the configuration, which
// fills in what it leaves out.
func TestSettings(t *testing.T) {
	yes, no := true, false
	s := &server.Server{Recovery: server.Recovery{Options: "get-wal, delta-restore", ParallelJobs: 7},
		Backup: server.Backup{BandwidthLimit: 300, NetworkCompression: true}}
	for _, tc := range []struct {
		name string
		o    Options
		want settings
	}{
		{"configuration", Options{}, settings{getWAL: true, delta: true, compress: true, jobs: 7, bwlimit: 300}},
		{"command line", Options{GetWAL: &no, Delta: &no, NetworkCompression: &no, Jobs: 2, Bwlimit: 50},
			settings{jobs: 2, bwlimit: 50}},
		{"command line on", Options{GetWAL: &yes}, settings{getWAL: true, delta: true, compress: true, jobs: 7, bwlimit: 300}},
	} {
		if got := tc.o.settings(s); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
