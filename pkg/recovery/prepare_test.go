package recovery

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// fixtureSource serves the real PostgreSQL 15 segments of pkg/walscan's
// fixtures (000000010000000000000002 to 4: commits, an abort, restore
// points before_x, in_seg3 and after_switch).
type fixtureSource struct{}

func (f *fixtureSource) Open(name string) (io.ReadCloser, error) {
	b, err := os.ReadFile(filepath.Join("..", "walscan", "testdata", name+".zst"))
	if err != nil {
		return nil, err
	}
	d, err := zstd.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return d.IOReadCloser(), nil
}

type memSink struct{ names []string }

func (m *memSink) Put(name string, data []byte, _ time.Time) error {
	m.names = append(m.names, name)
	return nil
}
func (m *memSink) Close() error { return nil }

func fixturePlan(t Target) Plan {
	return Plan{Server: "main", SegSize: seg16, BeginWAL: "000000010000000000000002", EndWAL: "000000010000000000000002",
		EndLSN: lsn("0/2000028"), Chain: Chain{{TLI: 1}}, Target: t, Jobs: 2,
		Archived: archived("000000010000000000000002", "000000010000000000000003", "000000010000000000000004")}
}

func TestPrepareStopsAtTarget(t *testing.T) {
	for _, tc := range []struct {
		name    string
		target  Target
		want    string // segments written
		err     string
		dropped bool
	}{
		{"name in the first segment", Target{Name: "before_x"}, "000000010000000000000002", "", false},
		{"name in the second", Target{Name: "in_seg3"}, "000000010000000000000002 000000010000000000000003", "", false},
		{"name in the last", Target{Name: "after_switch"}, "000000010000000000000002 000000010000000000000003 000000010000000000000004", "", false},
		{"unknown name", Target{Name: "nope"}, "", "restore point 'nope' is not in the archived WAL", false},
		{"xid never seen", Target{XID: 99999}, "", "transaction 99999 never committed nor aborted", false},
		{"time after everything", Target{Time: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, "000000010000000000000002 000000010000000000000003 000000010000000000000004", "", true},
		{"immediate", Target{Immediate: true}, "000000010000000000000002", "", false},
		{"lsn takes the next segment too", Target{LSN: lsn("0/2000100"), HasLSN: true}, "000000010000000000000002 000000010000000000000003", "", false},
		{"no target: everything", Target{}, "000000010000000000000002 000000010000000000000003 000000010000000000000004", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink := &memSink{}
			res, err := Prepare(context.Background(), fixturePlan(tc.target), &fixtureSource{}, sink)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(sink.names, " "); got != tc.want || res.Dropped != tc.dropped {
				t.Errorf("wrote %s (dropped %v), want %s (dropped %v)", got, res.Dropped, tc.want, tc.dropped)
			}
			if tc.target.Name != "" && (res.Reached == nil || res.Reached.Name != tc.target.Name) {
				t.Errorf("reached %+v", res.Reached)
			}
		})
	}
}

// A time target stops at the segment of the first commit after it: take
// two commits of segment 3 from pg_waldump's output (the fixture's
// golden) and aim between them.
func TestPrepareTimeTarget(t *testing.T) {
	golden, err := os.ReadFile(filepath.Join("..", "walscan", "testdata", "events.golden"))
	if err != nil {
		t.Fatal(err)
	}
	var times []time.Time
	for _, line := range strings.Split(string(golden), "\n") {
		if !strings.Contains(line, "lsn: 0/03") || !strings.Contains(line, "desc: COMMIT ") {
			continue
		}
		stamp := strings.TrimSuffix(line[strings.Index(line, "desc: COMMIT ")+len("desc: COMMIT "):], " UTC")
		at, err := time.Parse("2006-01-02 15:04:05.999999", stamp)
		if err != nil {
			t.Fatal(err)
		}
		times = append(times, at)
	}
	if len(times) < 2 {
		t.Fatalf("fixture has %d commits in segment 3", len(times))
	}
	at := times[len(times)-2]
	res, err := Prepare(context.Background(), fixturePlan(Target{Time: at}), &fixtureSource{}, &memSink{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Last() != "000000010000000000000003" || res.Reached == nil || !res.Reached.Time.Equal(times[len(times)-1]) {
		t.Errorf("time %s: stopped at %s on %+v, want the commit at %s", at, res.Last(), res.Reached, times[len(times)-1])
	}
	res, err = Prepare(context.Background(), fixturePlan(Target{Time: at, Exclusive: true}), &fixtureSource{}, &memSink{})
	if err != nil || res.Reached == nil || !res.Reached.Time.Equal(at) {
		t.Errorf("exclusive: stopped on %+v (%v), want the commit at %s itself", res.Reached, err, at)
	}
}

func TestPrepareMissingForConsistency(t *testing.T) {
	p := fixturePlan(Target{})
	p.EndWAL = "000000010000000000000006"
	_, err := Prepare(context.Background(), p, &fixtureSource{}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "000000010000000000000005") || !strings.Contains(err.Error(), "needed to make the backup consistent") {
		t.Errorf("error %v", err)
	}
	p = fixturePlan(Target{})
	delete(p.Archived, "000000010000000000000003")
	_, err = Prepare(context.Background(), p, &fixtureSource{}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "WAL segment 000000010000000000000003 is missing") {
		t.Errorf("gap: %v", err)
	}
}

// Without reading records (another PostgreSQL version), a name target
// copies everything, as Barman does, and is left to PostgreSQL.
func TestPrepareNoScan(t *testing.T) {
	p := fixturePlan(Target{Name: "nope"})
	p.NoScan = true
	sink := &memSink{}
	res, err := Prepare(context.Background(), p, &fixtureSource{}, sink)
	if err != nil || len(sink.names) != 3 || res.Reached != nil {
		t.Errorf("no scan: %v %v %+v", sink.names, err, res)
	}
}

// streamingSource serves the fixture's segment 3 as a completed segment
// of the streaming directory and segment 4 (valid WAL up to 0/40001E8,
// zeros after it) only as the .partial file being received.
type streamingSource struct{ fixtureSource }

func (s *streamingSource) Open(name string) (io.ReadCloser, error) {
	if name == "000000010000000000000004" {
		return nil, os.ErrNotExist
	}
	return s.fixtureSource.Open(strings.TrimSuffix(name, ".partial"))
}

// The partial segment is read last, delivered under its segment's name,
// and said; the segments of the streaming directory are said too.
func TestPreparePartial(t *testing.T) {
	for _, tc := range []struct {
		name    string
		target  Target
		want    string
		partial string
	}{
		{"end of the WAL", Target{}, "000000010000000000000002 000000010000000000000003 000000010000000000000004", "000000010000000000000004.partial"},
		{"xid in the partial", Target{XID: 3789}, "000000010000000000000002 000000010000000000000003 000000010000000000000004", "000000010000000000000004.partial"},
		{"target before the partial", Target{Name: "in_seg3"}, "000000010000000000000002 000000010000000000000003", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fixturePlan(tc.target)
			p.Archived = archived("000000010000000000000002")
			p.Streamed = archived("000000010000000000000003", "000000010000000000000004.partial")
			p.Partial = "000000010000000000000004.partial"
			sink := &memSink{}
			res, err := Prepare(context.Background(), p, &streamingSource{}, sink)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(sink.names, " "); got != tc.want || res.Partial != tc.partial {
				t.Errorf("wrote %s (partial %q), want %s (partial %q)", got, res.Partial, tc.want, tc.partial)
			}
			if strings.Join(res.Streamed, " ") != "000000010000000000000003" {
				t.Errorf("streamed segments %v, want segment 3", res.Streamed)
			}
			if tc.partial != "" && res.PartialEnd != lsn("0/40001E8") {
				t.Errorf("partial read up to %s, want 0/40001E8 (where pg_waldump ends)", res.PartialEnd)
			}
		})
	}
}

// Without the partial, the same recovery stops at the end of segment 3
// and misses what only the partial has.
func TestPrepareWithoutPartial(t *testing.T) {
	p := fixturePlan(Target{XID: 3789})
	p.Archived = archived("000000010000000000000002", "000000010000000000000003")
	_, err := Prepare(context.Background(), p, &streamingSource{}, &memSink{})
	if err == nil || !strings.Contains(err.Error(), "transaction 3789 never committed") {
		t.Errorf("error %v", err)
	}
}
