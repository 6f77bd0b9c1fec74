package walscan

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/gobarman/barman/pkg/walname"
)

// The fixtures come from a real PostgreSQL 15 and its pg_waldump:
// scripts/walscan-fixture.sh says what they hold.
var fixtureSegments = []string{
	"000000010000000000000002", "000000010000000000000003", "000000010000000000000004",
}

const fixtureSegSize = walname.DefaultSegmentSize

func readZstd(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	out, err := dec.DecodeAll(raw, nil)
	if err != nil {
		t.Fatalf("decompress %s: %v", name, err)
	}
	return out
}

// dumpRecord is one record as pg_waldump printed it.
type dumpRecord struct {
	lsn    walname.LSN
	totLen uint32
	xid    uint32
}

// readDumpRecords reads testdata/records.txt.zst: "LSN TOT_LEN XID" lines.
func readDumpRecords(t *testing.T) []dumpRecord {
	var recs []dumpRecord
	for i, line := range strings.Split(strings.TrimSpace(string(readZstd(t, "records.txt.zst"))), "\n") {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("records.txt:%d: want 3 fields: %q", i+1, line)
		}
		lsn, err1 := walname.ParseLSN(f[0])
		n, err2 := strconv.ParseUint(f[1], 10, 32)
		x, err3 := strconv.ParseUint(f[2], 10, 32)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("records.txt:%d: %q", i+1, line)
		}
		recs = append(recs, dumpRecord{lsn, uint32(n), uint32(x)})
	}
	return recs
}

var (
	waldumpLine = regexp.MustCompile(`tx: +(\d+), lsn: ([0-9A-F]+/[0-9A-F]+), .*desc: (\w+) (.*)$`)
	waldumpEnd  = regexp.MustCompile(`invalid record length at ([0-9A-F]+/[0-9A-F]+)`)
	xactDesc    = regexp.MustCompile(`^(?:(\d+): )?(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}) UTC$`)
)

// readGolden reads testdata/events.golden: the events pg_waldump printed
// (times of restore points excepted) and where it found the end of WAL.
func readGolden(t *testing.T) ([]Event, walname.LSN) {
	raw, err := os.ReadFile("testdata/events.golden")
	if err != nil {
		t.Fatal(err)
	}
	var events []Event
	var end walname.LSN
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		if m := waldumpEnd.FindStringSubmatch(sc.Text()); m != nil {
			end, _ = walname.ParseLSN(m[1])
			continue
		}
		ev, err := parseGoldenLine(sc.Text())
		if err != "" {
			t.Fatalf("events.golden:%d: %s: %q", n, err, sc.Text())
		}
		events = append(events, ev)
	}
	return events, end
}

func parseGoldenLine(line string) (Event, string) {
	m := waldumpLine.FindStringSubmatch(line)
	if m == nil {
		return Event{}, "not a pg_waldump record line"
	}
	var ev Event
	xid, _ := strconv.ParseUint(m[1], 10, 32)
	ev.XID = uint32(xid)
	ev.LSN, _ = walname.ParseLSN(m[2])
	kinds := map[string]Kind{"COMMIT": Commit, "ABORT": Abort, "COMMIT_PREPARED": Commit,
		"ABORT_PREPARED": Abort, "RESTORE_POINT": RestorePoint}
	ev.Kind = kinds[m[3]]
	ev.Prepared = strings.HasSuffix(m[3], "_PREPARED")
	if ev.Kind == RestorePoint {
		ev.Name = m[4]
		return ev, ""
	}
	d := xactDesc.FindStringSubmatch(m[4])
	if ev.Kind == 0 || d == nil {
		return Event{}, "unexpected description"
	}
	if d[1] != "" {
		xid, _ = strconv.ParseUint(d[1], 10, 32)
		ev.XID = uint32(xid)
	}
	ev.Time, _ = time.Parse("2006-01-02 15:04:05.000000", d[2])
	return ev, ""
}

// readRestorePointTimes reads testdata/restore-points.txt: each restore
// point's name and the clock just before and after it was created.
func readRestorePointTimes(t *testing.T) map[string][2]time.Time {
	raw, err := os.ReadFile("testdata/restore-points.txt")
	if err != nil {
		t.Fatal(err)
	}
	times := map[string][2]time.Time{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		f := strings.Fields(line)
		before, err1 := time.Parse(time.RFC3339Nano, f[1])
		after, err2 := time.Parse(time.RFC3339Nano, f[2])
		if len(f) != 3 || err1 != nil || err2 != nil {
			t.Fatalf("restore-points.txt: %q", line)
		}
		times[f[0]] = [2]time.Time{before, after}
	}
	return times
}

// scanFixtures feeds the fixture segments from the first-th on and returns
// the events and every record read.
func scanFixtures(t *testing.T, first int) (*Scanner, []Event, []dumpRecord) {
	s, err := NewScanner(fixtureSegSize)
	if err != nil {
		t.Fatal(err)
	}
	var recs []dumpRecord
	s.onRecord = func(r record) { recs = append(recs, dumpRecord{r.lsn, r.totLen, r.xid}) }
	var events []Event
	for i, name := range fixtureSegments[first:] {
		evs, err := s.Feed(name, readZstd(t, name+".zst"))
		if err != nil {
			t.Fatalf("Feed(%s): %v", name, err)
		}
		events = append(events, evs...)
		if last := i == len(fixtureSegments[first:])-1; !last && s.EndOfWAL() != nil {
			t.Errorf("Feed(%s): unexpected %v", name, s.EndOfWAL())
		}
	}
	return s, events, recs
}

// TestFixtureRecords checks that every record pg_waldump saw is read, with
// the same length and xid, and nothing else.
func TestFixtureRecords(t *testing.T) {
	s, _, got := scanFixtures(t, 0)
	want := readDumpRecords(t)
	if len(got) != len(want) {
		t.Errorf("read %d records, pg_waldump %d", len(got), len(want))
	}
	var maxXID uint32
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("record %d: got %+v, pg_waldump %+v", i, got[i], want[i])
		}
		maxXID = max(maxXID, want[i].xid)
	}
	if s.MaxXID() != maxXID {
		t.Errorf("MaxXID() = %d, want %d", s.MaxXID(), maxXID)
	}
	if lsn, _ := s.LastRecord(); lsn != want[len(want)-1].lsn {
		t.Errorf("LastRecord() = %s, want %s", lsn, want[len(want)-1].lsn)
	}
	_, wantEnd := readGolden(t)
	if e := s.EndOfWAL(); e == nil || e.LSN != wantEnd {
		t.Errorf("EndOfWAL() = %v, pg_waldump ends at %s", e, wantEnd)
	}
	if _, end := s.LastRecord(); end != wantEnd {
		t.Errorf("LastRecord() ends at %s, pg_waldump's end of WAL is %s", end, wantEnd)
	}
}

// TestFixtureEvents compares the events with pg_waldump's, and the end of
// each with the start of the record after it.
func TestFixtureEvents(t *testing.T) {
	_, got, _ := scanFixtures(t, 0)
	want, _ := readGolden(t)
	checkEvents(t, got, want)
	checkEndLSNs(t, got, readDumpRecords(t))
	checkCoverage(t, got)
}

// TestFixtureFreshStart feeds the fixtures from the second segment, which
// starts with the end of a commit record: it is skipped, the rest is read.
func TestFixtureFreshStart(t *testing.T) {
	_, got, _ := scanFixtures(t, 1)
	all, _ := readGolden(t)
	start, _ := walname.Name{Kind: walname.Segment, Timeline: 1, Seg: 3}.StartLSN(fixtureSegSize)
	var want []Event
	for _, ev := range all {
		if ev.LSN >= start {
			want = append(want, ev)
		}
	}
	if len(want) == len(all) || len(want) == 0 {
		t.Fatal("the fixture should have events on both sides of segment 3's start")
	}
	checkEvents(t, got, want)
}

func checkEvents(t *testing.T, got, want []Event) {
	t.Helper()
	rpTimes := readRestorePointTimes(t)
	if len(got) != len(want) {
		t.Errorf("got %d events, pg_waldump %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Kind == RestorePoint {
			if r, ok := rpTimes[g.Name]; !ok || g.Time.Before(r[0]) || g.Time.After(r[1]) {
				t.Errorf("restore point %q at %v, want between %v", g.Name, g.Time, r)
			}
			w.Time = g.Time
		}
		g.EndLSN = 0
		if g != w {
			t.Errorf("event %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
}

// checkEndLSNs checks that each event ends where the next record starts,
// or at the end of the page that the next record's page header follows.
func checkEndLSNs(t *testing.T, events []Event, recs []dumpRecord) {
	t.Helper()
	next := map[walname.LSN]walname.LSN{}
	for i := range len(recs) - 1 {
		next[recs[i].lsn] = recs[i+1].lsn
	}
	for _, ev := range events {
		n, ok := next[ev.LSN]
		want := ev.EndLSN
		if ev.EndLSN%blockSize == 0 {
			want += shortHeaderLen
			if uint64(ev.EndLSN)%fixtureSegSize == 0 {
				want += longHeaderLen - shortHeaderLen
			}
		}
		if !ok || n != want {
			t.Errorf("%v at %s ends at %s, the next record starts at %s", ev.Kind, ev.LSN, ev.EndLSN, n)
		}
	}
}

// checkCoverage fails when the fixtures lose what they are meant to show:
// commit records across a page and a segment boundary, every kind of
// transaction end.
func checkCoverage(t *testing.T, events []Event) {
	t.Helper()
	var pages, segs int
	kinds := map[[2]any]bool{}
	for _, ev := range events {
		if ev.LSN/blockSize != (ev.EndLSN-1)/blockSize {
			pages++
		}
		if uint64(ev.LSN)/fixtureSegSize != uint64(ev.EndLSN-1)/fixtureSegSize {
			segs++
		}
		kinds[[2]any{ev.Kind, ev.Prepared}] = true
	}
	if pages < 2 || segs < 1 || len(kinds) != 5 {
		t.Errorf("fixtures have %d events across pages, %d across segments, kinds %v: rerun scripts/walscan-fixture.sh",
			pages, segs, kinds)
	}
}
