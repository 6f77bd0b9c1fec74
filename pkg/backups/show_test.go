package backups

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
)

func TestDetailsChildrenTimelines(t *testing.T) {
	b := mk(t, "20260101T000000", catalog.StatusDone, "begin_wal", "000000010000000000000002", "end_wal", "000000010000000000000002",
		"timeline", "1", "end_xlog", "0/3000000")
	c := newCat(t, b)
	c.Layout.EnsureDirs()
	os.WriteFile(c.Layout.WALPath("00000002.history"), []byte("1\t0/4000000\tno recovery target specified\n"), 0o644)
	os.WriteFile(c.Layout.WALPath("00000003.history"), []byte("# comment\n1\t0/2000000\tbefore\n\n2\t0/5000000\tother parent\n"), 0o644)
	os.WriteFile(c.Layout.WALPath("00000005.history"), []byte("1\t0/9000000\tnot reached: 4 is missing\n"), 0o644)
	d, err := c.Details(b, []catalog.WALEntry{wal("000000010000000000000002", 16384, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Children) != 1 || d.Children[0].TLI != 2 {
		t.Fatalf("children %+v", d.Children)
	}
	lines := d.Lines()
	for _, want := range []string{"    Reachable timelines  : 2", "WARNING: WAL information is inaccurate due to multiple timelines interacting with this backup"} {
		if !slices.Contains(lines, want) {
			t.Errorf("no %q in\n%s", want, strings.Join(lines, "\n"))
		}
	}
	wi := d.JSON()["wal_information"].(map[string]any)
	if tl := wi["timelines"].([]string); len(tl) != 1 || tl[0] != "2" || wi["_WARNING"] == nil {
		t.Errorf("JSON wal_information %v", wi)
	}
}

func TestListLine(t *testing.T) {
	b := mk(t, "20260101T000000", catalog.StatusWaitingForWALs, "begin_wal", "000000010000000000000002",
		"end_wal", "000000010000000000000002", "end_time", "2026-01-01 00:00:05.5+01:00", "size", "2048")
	e := ListEntry{Backup: b, Server: "pg", Size: 2048, Retention: "OBSOLETE"}
	if got, want := e.Line(), "pg 20260101T000000 - Thu Jan  1 00:00:05 2026 - Size: 2.0 KiB - WAL Size: 0 B - WAITING_FOR_WALS - OBSOLETE"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	j := e.JSON()
	if j["retention_status"] != "OBSOLETE" || j["end_time_timestamp"] != "1767222005" || j["status"] != "WAITING_FOR_WALS" {
		t.Errorf("JSON %v", j)
	}
	e.Retention = "VALID"
	if strings.Contains(e.Line(), "VALID") || e.JSON()["retention_status"] != "-" {
		t.Errorf("VALID shown: %s %v", e.Line(), e.JSON())
	}
}

// TestChildrenTimelinesThroughOpenWAL: a history file stored by a custom
// compression filter (no magic bytes) is read through OpenWAL; by magic
// bytes alone it cannot be, and the child timeline would be missed.
func TestChildrenTimelinesThroughOpenWAL(t *testing.T) {
	b := mk(t, "20260101T000000", catalog.StatusDone, "begin_wal", "000000010000000000000002", "end_wal", "000000010000000000000002",
		"timeline", "1", "end_xlog", "0/3000000")
	c := newCat(t, b)
	c.Layout.EnsureDirs()
	// The "custom filter": XYZW then the content reversed.
	content := "1\t0/4000000\tno recovery target specified\n"
	stored := []byte("XYZW" + reverse(content))
	os.WriteFile(c.Layout.WALPath("00000002.history"), stored, 0o644)
	if got := c.ChildrenTimelines(b); len(got) != 0 {
		t.Fatalf("read without the filter: %+v", got)
	}
	c.OpenWAL = func(name string) (io.ReadCloser, error) {
		data, err := os.ReadFile(c.Layout.WALPath(name))
		if err != nil {
			return nil, err
		}
		return io.NopCloser(strings.NewReader(reverse(string(data[4:])))), nil
	}
	if got := c.ChildrenTimelines(b); len(got) != 1 || got[0].TLI != 2 {
		t.Fatalf("children through OpenWAL: %+v", got)
	}
}

func reverse(s string) string {
	r := []byte(s)
	slices.Reverse(r)
	return string(r)
}
