package retention

import (
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
)

// Each case lists the backups oldest first and the statuses, oldest
// first, that Barman 3.4's rules give them.
func TestEvaluate(t *testing.T) {
	D, F, W := catalog.StatusDone, catalog.StatusFailed, catalog.StatusWaitingForWALs
	for _, tc := range []struct {
		name    string
		policy  Policy
		backups []bk
		want    string
		warning string
	}{
		{"redundancy 2", redundancy(2, 0),
			[]bk{{D, 4 * day, "", ""}, {D, 3 * day, "", ""}, {D, 2 * day, "", ""}, {D, day, "", ""}},
			"OBSOLETE OBSOLETE VALID VALID", ""},
		{"failed and waiting backups do not count", redundancy(2, 0),
			[]bk{{D, 5 * day, "", ""}, {D, 4 * day, "", ""}, {F, 3 * day, "", ""}, {D, 2 * day, "", ""}, {W, day, "", ""}},
			"OBSOLETE VALID - VALID -", ""},
		{"a kept backup uses a slot", redundancy(2, 0),
			[]bk{{D, 4 * day, "", ""}, {D, 3 * day, "standalone", ""}, {D, 2 * day, "full", ""}, {D, day, "", ""}},
			"OBSOLETE KEEP:STANDALONE KEEP:FULL VALID", ""},
		{"minimum redundancy raises the redundancy", redundancy(1, 3),
			[]bk{{D, 4 * day, "", ""}, {D, 3 * day, "", ""}, {D, 2 * day, "", ""}, {D, day, "", ""}},
			"OBSOLETE VALID VALID VALID", "Retention policy redundancy (1) is lower than the required minimum redundancy (3). Enforce 3."},
		{"redundancy 0 keeps the newest", redundancy(0, 0),
			[]bk{{D, 2 * day, "", ""}, {D, day, "", ""}},
			"OBSOLETE VALID", "REDUNDANCY 0 would make every backup obsolete"},
		{"window: the newest backup before the window stays", window(7, 0),
			[]bk{{D, 20 * day, "", ""}, {D, 10 * day, "", ""}, {D, 8 * day, "", ""}, {D, 3 * day, "", ""}, {D, day, "", ""}},
			"OBSOLETE OBSOLETE VALID VALID VALID", ""},
		{"window: every backup older than the window", window(7, 0),
			[]bk{{D, 30 * day, "", ""}, {D, 20 * day, "", ""}, {D, 10 * day, "", ""}},
			"OBSOLETE OBSOLETE VALID", ""},
		{"window: a failed newest backup does not cover", window(7, 0),
			[]bk{{D, 30 * day, "", ""}, {D, 20 * day, "", ""}, {F, day, "", ""}},
			"OBSOLETE VALID -", ""},
		{"window: minimum redundancy keeps OBSOLETE*", window(7, 3),
			[]bk{{D, 30 * day, "", ""}, {D, 20 * day, "", ""}, {D, 10 * day, "", ""}, {D, day, "", ""}},
			"OBSOLETE OBSOLETE* VALID VALID", ""},
		{"window: kept backups stay and count toward the minimum", window(7, 3),
			[]bk{{D, 40 * day, "", ""}, {D, 30 * day, "", ""}, {D, 20 * day, "full", ""}, {D, 10 * day, "", ""}, {D, day, "", ""}},
			"OBSOLETE OBSOLETE KEEP:FULL VALID VALID", ""},
		{"window: all inside", window(7, 0),
			[]bk{{D, 3 * day, "", ""}, {D, 2 * day, "", ""}},
			"VALID VALID", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCatalogue(t, tc.backups)
			rep, err := Evaluate(tc.policy, c, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range c.Backups {
				v := rep.Verdicts[b.ID]
				if v.Reason == "" {
					t.Errorf("%s %s has no reason", b.ID, v.Status)
				}
				got = append(got, string(v.Status))
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("statuses %s\nwant     %s", strings.Join(got, " "), tc.want)
			}
			warnings := strings.Join(rep.Warnings, "\n")
			if tc.warning == "" && warnings != "" || !strings.Contains(warnings, tc.warning) {
				t.Errorf("warnings %q, want %q", warnings, tc.warning)
			}
		})
	}
}

// The reasons name the policy and, for a recovery window, the backup
// that covers its start.
func TestEvaluateReasons(t *testing.T) {
	c := newCatalogue(t, []bk{{catalog.StatusDone, 20 * day, "", ""}, {catalog.StatusDone, 10 * day, "", ""}, {catalog.StatusDone, day, "", ""}})
	rep, _ := Evaluate(window(7, 0), c, now)
	start := now.Add(-7 * day).Local().Format("2006-01-02 15:04:05")
	if r := rep.Verdicts[c.Backups[0].ID].Reason; !strings.Contains(r, "before the recovery window starts ("+start+")") || !strings.Contains(r, c.Backups[1].ID) {
		t.Errorf("OBSOLETE reason: %s", r)
	}
	if r := rep.Verdicts[c.Backups[1].ID].Reason; !strings.Contains(r, "the newest backup that ended before the recovery window starts") {
		t.Errorf("covering backup's reason: %s", r)
	}
	rep, _ = Evaluate(redundancy(2, 0), c, now)
	if r := rep.Verdicts[c.Backups[0].ID].Reason; r != "older than the 2 newest DONE backups (REDUNDANCY 2)" {
		t.Errorf("OBSOLETE reason: %s", r)
	}
	rep, _ = Evaluate(redundancy(1, 0), c, now)
	if r := rep.Verdicts[c.Backups[0].ID].Reason; r != "older than the newest DONE backup (REDUNDANCY 1)" {
		t.Errorf("OBSOLETE reason: %s", r)
	}
}
