package walreceive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/internal/tmpfstest"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/walname"
)

// TestReceiveRefusesBadSettings: settings that only the DBA can fix end
// Run at once with an error saying what to do, instead of retrying.
func TestReceiveRefusesBadSettings(t *testing.T) {
	t.Run("wal_level minimal", func(t *testing.T) {
		pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveMode: "off", Settings: map[string]string{"wal_level": "minimal", "max_wal_senders": "0"}})
		err := Run(context.Background(), Options{Server: "main", Conninfo: pg.ConnInfo(), Dir: t.TempDir()})
		wantFatal(t, err, "max_wal_senders", "raise max_wal_senders")
	})
	t.Run("no replication privilege", func(t *testing.T) {
		pg := pgtest.StartPostgres(t, pgtest.Options{})
		pg.SQL(t, "CREATE ROLE plain LOGIN")
		conninfo := strings.Replace(pg.ConnInfo(), "user=postgres", "user=plain", 1)
		err := Run(context.Background(), Options{Server: "main", Conninfo: conninfo, Dir: t.TempDir()})
		wantFatal(t, err, "replication", "ALTER ROLE plain REPLICATION")
	})
}

func wantFatal(t *testing.T, err error, msg, hint string) {
	t.Helper()
	var fe *FatalError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), msg) || !strings.Contains(fe.Hint(), hint) {
		t.Fatalf("got %v (hint %q), want a FatalError with %q and hint %q", err, hintOf(err), msg, hint)
	}
}

// TestReceiveDiskFull: the streaming directory fills up. The receiver
// finds it when it allocates the next segment, reports nothing beyond
// what is on disk, leaves no half-made file, and PostgreSQL keeps the WAL
// in the slot; once space is freed it goes on with no gap.
func TestReceiveDiskFull(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Settings: map[string]string{"wal_keep_size": "0", "max_slot_wal_keep_size": "-1"}})
	dir := tmpfstest.Mount(t, 40<<20) // two segments and a half
	var rec report.Recorder
	stop := receiving(t, Options{Server: "main", Conninfo: pg.ConnInfo(), Slot: "barman", CreateSlot: true, Dir: dir,
		Log: &rec, RetryInterval: 100e6})
	waitFor(t, "the slot to be active", func() bool {
		return pg.SQL(t, "SELECT count(*) FROM pg_replication_slots WHERE active") == "1"
	})
	first := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	for range 4 {
		pg.SQL(t, "CREATE TABLE IF NOT EXISTS t (x int); INSERT INTO t SELECT generate_series(1, 1000)")
		pg.SQL(t, "SELECT pg_switch_wal()")
	}
	last := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	waitFor(t, "the disk to be full", func() bool { return strings.Contains(messages(&rec), "no space left on device") })
	// The slot holds what is not on disk: its restart_lsn is not past
	// the end of the complete segments.
	ents, _ := os.ReadDir(dir)
	var onDisk walname.LSN
	for _, e := range ents {
		if n, err := walname.Parse(e.Name()); err == nil && n.Kind == walname.Segment {
			next, _ := n.Next(16 << 20)
			onDisk = max(onDisk, must(next.StartLSN(16<<20)))
		}
	}
	restart, _ := walname.ParseLSN(pg.SQL(t, "SELECT restart_lsn FROM pg_replication_slots"))
	if restart > onDisk {
		t.Errorf("the slot's restart_lsn %s is past what barman has (%s)", restart, onDisk)
	}
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".partial") && fi.Size() != 16<<20 {
			t.Errorf("half-made %s (%d bytes)", e.Name(), fi.Size())
		}
	}
	// Free the space as archive-wal does, again and again: move the
	// complete segments out (the receiver may resume from the slot, before
	// what it had, and need the space once more).
	out := t.TempDir()
	moved := map[string]bool{}
	moveOut := func() {
		for _, name := range mustRead(dir) {
			if n, err := walname.Parse(name); err == nil && n.Kind == walname.Segment {
				data, err := os.ReadFile(filepath.Join(dir, name))
				if err != nil {
					continue // renamed meanwhile
				}
				os.WriteFile(filepath.Join(out, name), data, 0o600)
				os.Remove(filepath.Join(dir, name))
				moved[name] = true
			}
		}
	}
	moveOut()
	if len(moved) == 0 {
		t.Fatalf("no complete segment before the disk was full: %v", ents)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("receiver said:\n%s\ndirectory: %v", messages(&rec), mustRead(dir))
		}
	})
	waitFor(t, last+" after space was freed", func() bool {
		moveOut()
		// last.partial is made once the segment before it is complete.
		return exists(filepath.Join(dir, last+".partial")) || moved[last]
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		t.Logf("receiver said:\n%s", messages(&rec))
	}
	fn, _ := walname.Parse(first)
	ln, _ := walname.Parse(last)
	for s := fn; walname.Compare(s, ln) < 0; s, _ = s.Next(16 << 20) {
		p := filepath.Join(dir, s.String())
		if moved[s.String()] {
			p = filepath.Join(out, s.String())
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("gap at %s: %v", s, err)
		}
		if want, err := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", s.String())); err == nil && !bytes.Equal(got, want) {
			t.Errorf("%s differs from pg_wal's", s)
		}
	}
}

func mustRead(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestReceiveRefusesAnotherCluster: the streaming directory holds WAL of
// another cluster (streaming_conninfo now points elsewhere): receive-wal
// stops with an error naming the file, and touches nothing.
func TestReceiveRefusesAnotherCluster(t *testing.T) {
	a := pgtest.StartPostgres(t, pgtest.Options{})
	dir := t.TempDir()
	stop := receiving(t, Options{Server: "main", Conninfo: a.ConnInfo(), Dir: dir})
	a.SQL(t, "CREATE TABLE t AS SELECT 1 AS x")
	seg := a.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	waitFor(t, "WAL of "+seg, func() bool {
		data, _ := os.ReadFile(filepath.Join(dir, seg+".partial"))
		return len(data) > 0 && data[0] != 0
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	before := mustRead(dir)
	b := pgtest.StartPostgres(t, pgtest.Options{})
	err := Run(context.Background(), Options{Server: "main", Conninfo: b.ConnInfo(), Dir: dir})
	wantFatal(t, err, seg+".partial comes from the cluster with system identifier "+a.SystemID(t), "another cluster")
	if after := mustRead(dir); strings.Join(after, " ") != strings.Join(before, " ") {
		t.Errorf("directory changed: %v -> %v", before, after)
	}
}
