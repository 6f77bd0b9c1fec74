package backups

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
)

func TestDeletable(t *testing.T) {
	c := newCat(t,
		done(t, "20260101T000000", "000000010000000000000002", "000000010000000000000002"),
		done(t, "20260102T000000", "000000010000000000000004", "000000010000000000000004"),
		mk(t, "20260103T000000", catalog.StatusFailed),
	)
	keep(t, c, "20260101T000000", "full")
	var skip *SkipError
	for _, tc := range []struct {
		id   string
		min  int
		want string
	}{
		{"20260101T000000", 0, "Skipping delete of backup 20260101T000000 for server pg as it has a current keep request. If you really want to delete this backup please remove the keep and try again."},
		{"20260102T000000", 1, ""},
		{"20260102T000000", 2, "Skipping delete of backup 20260102T000000 for server pg due to minimum redundancy requirements (minimum redundancy = 2, current redundancy = 2)"},
		{"20260103T000000", 5, ""}, // only DONE backups are protected
	} {
		err := c.Deletable(c.Get(tc.id), tc.min)
		if tc.want == "" && err != nil || tc.want != "" && (!errors.As(err, &skip) || err.Error() != tc.want) {
			t.Errorf("%s min %d: %v, want %q", tc.id, tc.min, err, tc.want)
		}
	}
}

// archive34 is a WAL archive around three backups, two timelines.
var archive34 = []catalog.WALEntry{
	wal("000000010000000000000001", 1, 1),
	wal("000000010000000000000002", 1, 2),
	wal("000000010000000000000002.00000028.backup", 1, 2),
	wal("000000010000000000000003", 1, 3),
	wal("00000002.history", 1, 4),
	wal("000000020000000000000003", 1, 4),
	wal("000000010000000000000004", 1, 5),
	wal("000000010000000000000004.00000028.backup", 1, 5),
	wal("000000010000000000000005", 1, 6),
	wal("000000010000000000000006", 1, 7),
	wal("000000010000000000000006.00000060.backup", 1, 7),
	wal("000000010000000000000007", 1, 8),
}

func TestPlanWALRemoval(t *testing.T) {
	type row struct {
		name                  string
		keeps                 map[string]string // ID -> keep target
		olderFailed           bool              // the backups before the deleted one failed
		delete                string
		concurrent, retention bool
		remove                bool
		removed               []string
	}
	first, second, third := "20260101T000000", "20260102T000000", "20260103T000000"
	upTo4 := []string{"000000010000000000000001", "000000010000000000000002", "000000010000000000000002.00000028.backup", "000000010000000000000003"}
	for _, tc := range []row{
		{name: "oldest: up to the next begin_wal", delete: first, concurrent: true, remove: true, removed: upTo4},
		{name: "not the oldest: nothing", delete: second, concurrent: true},
		{name: "previous kept full: nothing", keeps: map[string]string{first: "full"}, delete: second, retention: true},
		{name: "previous standalone, manual delete: nothing", keeps: map[string]string{first: "standalone"}, delete: second},
		{name: "previous standalone, retention: its range kept", keeps: map[string]string{first: "standalone"}, delete: second, retention: true, concurrent: true, remove: true,
			removed: []string{"000000010000000000000001", "000000010000000000000003", "000000010000000000000004", "000000010000000000000004.00000028.backup", "000000010000000000000005"}},
		{name: "previous failed: treated as oldest", delete: second, olderFailed: true, concurrent: true, remove: true,
			removed: []string{"000000010000000000000001", "000000010000000000000002", "000000010000000000000002.00000028.backup", "000000010000000000000003", "000000010000000000000004", "000000010000000000000004.00000028.backup", "000000010000000000000005"}},
		{name: "last backup, concurrent: up to its own begin_wal", delete: third, olderFailed: true, concurrent: true, remove: true,
			removed: []string{"000000010000000000000001", "000000010000000000000002", "000000010000000000000002.00000028.backup", "000000010000000000000003", "000000010000000000000004", "000000010000000000000004.00000028.backup", "000000010000000000000005"}},
		{name: "last backup, exclusive: everything but history", delete: third, olderFailed: true, remove: true,
			removed: names(slices.DeleteFunc(slices.Clone(archive34), func(e catalog.WALEntry) bool { return e.Name == "00000002.history" }))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs := []*catalog.BackupInfo{
				done(t, first, "000000010000000000000002", "000000010000000000000002"),
				done(t, second, "000000010000000000000004", "000000010000000000000004"),
				done(t, third, "000000010000000000000006", "000000010000000000000006"),
			}
			for _, b := range bs {
				if tc.olderFailed && b.ID < tc.delete {
					b.SetStatus(catalog.StatusFailed)
				}
			}
			c := newCat(t, bs...)
			for id, target := range tc.keeps {
				keep(t, c, id, target)
			}
			p, err := c.PlanWALRemoval(c.Get(tc.delete), tc.concurrent, tc.retention)
			if err != nil || p.Remove != tc.remove {
				t.Fatalf("plan %+v, %v", p, err)
			}
			w := NewWALIndex(archive34)
			remove := w.Take(p)
			if got := names(remove); !slices.Equal(got, nonNil(tc.removed)) || len(w.Bad()) > 0 || len(slices.Collect(w.Remaining()))+len(remove) != len(archive34) {
				t.Errorf("removed %v\nwant    %v (bad %v)", got, tc.removed, w.Bad())
			}
		})
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Timelines of the other backups are protected; the deleted backup's own
// timeline, and the next backup's, are not.
func TestPlanWALRemovalTimelines(t *testing.T) {
	c := newCat(t,
		done(t, "20260101T000000", "000000010000000000000002", "000000010000000000000002"),
		done(t, "20260102T000000", "000000010000000000000004", "000000010000000000000004"),
		done(t, "20260103T000000", "000000020000000000000003", "000000020000000000000003"),
	)
	p, err := c.PlanWALRemoval(c.Get("20260101T000000"), true, false)
	if err != nil || fmt.Sprint(p.ProtectTimelines) != "[2]" {
		t.Fatalf("plan %+v, %v", p, err)
	}
	entries := append(slices.Clone(archive34), wal("000000020000000000000001", 1, 9), wal("garbage", 1, 9))
	w := NewWALIndex(entries)
	remove, bad := w.Take(p), w.Bad()
	if got := names(remove); slices.Contains(got, "000000020000000000000001") || !slices.Equal(bad, []string{"garbage"}) {
		t.Errorf("removed %v, bad %v", got, bad)
	}
}
