package backups

import (
	"errors"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
)

func TestResolve(t *testing.T) {
	c := newCat(t,
		mk(t, "20260101T000000", catalog.StatusFailed),
		mk(t, "20260102T000000", catalog.StatusDone, "backup_name", "nightly"),
		mk(t, "20260103T000000", catalog.StatusFailed),
		mk(t, "20260104T000000", catalog.StatusWaitingForWALs, "backup_name", "weekly"),
		mk(t, "20260105T000000", catalog.StatusDone, "backup_name", "weekly"),
		mk(t, "20260106T000000", catalog.StatusStarted, "backup_name", "running"),
	)
	for _, tc := range []struct{ ref, want, err string }{
		{"latest", "20260105T000000", ""},
		{"last", "20260105T000000", ""},
		{"oldest", "20260102T000000", ""},
		{"first", "20260102T000000", ""},
		{"last-failed", "20260103T000000", ""},
		{"20260101T000000", "20260101T000000", ""}, // an ID may name any status
		{"20260106T000000", "20260106T000000", ""},
		{"nightly", "20260102T000000", ""},
		{"weekly", "", "Multiple backups found matching name 'weekly' (try using backup ID instead): 20260104T000000 20260105T000000"},
		{"running", "", "Unknown backup 'running' for server 'pg'"}, // names: DONE and WAITING_FOR_WALS only
		{"20991231T000000", "", "Unknown backup '20991231T000000' for server 'pg'"},
		{"2026010T000000", "", "Unknown backup '2026010T000000' for server 'pg'"},
	} {
		b, err := c.Resolve(tc.ref)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("Resolve(%q): error %v, want %q", tc.ref, err, tc.err)
		case tc.err == "" && (err != nil || b.ID != tc.want):
			t.Errorf("Resolve(%q) = %v, %v; want %s", tc.ref, IDOf(b), err, tc.want)
		}
	}
	var unknown *UnknownError
	if _, err := c.Resolve("nosuch"); !errors.As(err, &unknown) {
		t.Errorf("unknown name: %T", err)
	}
	if b, _ := newCat(t).Resolve("latest"); b != nil {
		t.Errorf("latest of an empty catalogue: %s", b.ID)
	}
}

func TestPreviousNext(t *testing.T) {
	c := newCat(t,
		mk(t, "20260101T000000", catalog.StatusDone),
		mk(t, "20260102T000000", catalog.StatusFailed),
		mk(t, "20260103T000000", catalog.StatusWaitingForWALs),
		mk(t, "20260104T000000", catalog.StatusStarted),
	)
	for _, tc := range []struct{ id, prev, next string }{
		{"20260101T000000", "", "20260103T000000"},
		{"20260102T000000", "20260101T000000", "20260103T000000"},
		{"20260103T000000", "20260101T000000", ""},
		{"20260104T000000", "20260103T000000", ""},
		{"20990101T000000", "", ""},
	} {
		if p, n := IDOf(c.Previous(tc.id)), IDOf(c.Next(tc.id)); p != tc.prev || n != tc.next {
			t.Errorf("%s: previous %q next %q, want %q %q", tc.id, p, n, tc.prev, tc.next)
		}
	}
}

func TestSampleResolve(t *testing.T) {
	c, _ := loadSample(t, "pg")
	for ref, want := range map[string]string{"latest": "20261125T152856", "oldest": "20261125T152849", "second-backup": "20261125T152856"} {
		if b, err := c.Resolve(ref); err != nil || b.ID != want {
			t.Errorf("Resolve(%q) = %v, %v", ref, IDOf(b), err)
		}
	}
	f, _ := loadSample(t, "pgfail")
	if b, err := f.Resolve("last-failed"); err != nil || b.ID != "20261125T152859" {
		t.Errorf("last-failed = %v, %v", IDOf(b), err)
	}
	if _, err := f.Resolve("latest"); err == nil || err.Error() != "Unknown backup 'latest' for server 'pgfail'" {
		t.Errorf("latest of pgfail: %v", err)
	}
}
