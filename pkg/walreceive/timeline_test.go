package walreceive

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/walname"
)

// startStandby makes a streaming standby of primary with pg_basebackup.
func startStandby(t *testing.T, primary *pgtest.Postgres) *pgtest.Postgres {
	t.Helper()
	dir := filepath.Join(pgtest.TempDir(t), "standby")
	pgtest.ChownToOSUser(t, filepath.Dir(dir))
	cmd := primary.Command(pgtest.Bin("pg_basebackup"), "-D", dir, "-R", "-X", "stream", "-c", "fast", "-d", primary.ConnInfo())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_basebackup: %v\n%s", err, out)
	}
	return pgtest.StartExisting(t, dir, pgtest.Options{})
}

// checkSegments compares every complete segment of dir on timeline tli
// with the server's pg_wal, and reports how many it compared.
func checkSegments(t *testing.T, dir string, pg *pgtest.Postgres, tli uint32) int {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		name, err := walname.Parse(e.Name())
		if err != nil || name.Kind != walname.Segment || name.Timeline != tli {
			continue
		}
		want, err := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", e.Name()))
		if err != nil {
			continue // recycled already
		}
		got, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from pg_wal's", e.Name())
		}
		n++
	}
	return n
}

// TestReceiveFollowsTimelineSwitch: streaming from a standby that gets
// promoted, the receiver writes 00000002.history and goes on with the
// segments of timeline 2 from the switch point, with no gap: the segment
// of the switch exists on both timelines (the old one as .partial).
func TestReceiveFollowsTimelineSwitch(t *testing.T) {
	primary := pgtest.StartPostgres(t, pgtest.Options{})
	standby := startStandby(t, primary)
	dir := t.TempDir()
	stop := receiving(t, Options{Server: "main", Conninfo: standby.ConnInfo(), Dir: dir, RetryInterval: 200e6})
	primary.SQL(t, "CREATE TABLE t AS SELECT generate_series(1, 10000) AS x")
	primary.SQL(t, "SELECT pg_switch_wal()")
	primary.SQL(t, "INSERT INTO t VALUES (-1)")
	waitFor(t, "the standby to replay", func() bool {
		return standby.SQL(t, "SELECT count(*) FROM t WHERE x = -1") == "1"
	})
	primary.Stop(t)
	standby.SQL(t, "SELECT pg_promote()")
	switchAt, _ := walname.ParseLSN(strings.Fields(standby.SQL(t, "SELECT pg_current_wal_lsn()"))[0])
	switchSeg, _, _ := walname.SegmentOf(1, switchAt, 16<<20)
	standby.SQL(t, "INSERT INTO t SELECT generate_series(1, 10000)")
	standby.SQL(t, "SELECT pg_switch_wal()")
	standby.SQL(t, "INSERT INTO t VALUES (-2)")
	standby.SQL(t, "SELECT pg_switch_wal()")
	waitFor(t, "a complete segment of timeline 2", func() bool { return checkSegmentsQuiet(dir, 2) >= 2 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	hist, err := os.ReadFile(filepath.Join(dir, "00000002.history"))
	if err != nil || !bytes.HasPrefix(hist, []byte("1\t")) {
		t.Fatalf("history file: %q, %v", hist, err)
	}
	if checkSegments(t, dir, standby, 2) < 2 {
		t.Errorf("too few segments of timeline 2 to compare")
	}
	old := filepath.Join(dir, switchSeg.String()+".partial")
	newSeg := switchSeg
	newSeg.Timeline = 2
	if !exists(old) && !exists(filepath.Join(dir, switchSeg.String())) {
		t.Errorf("the segment of the switch on timeline 1 (%s) is missing", switchSeg)
	}
	if !exists(filepath.Join(dir, newSeg.String())) {
		t.Errorf("the segment of the switch on timeline 2 (%s) is missing: a gap", newSeg)
	}
}

func checkSegmentsQuiet(dir string, tli uint32) int {
	ents, _ := os.ReadDir(dir)
	n := 0
	for _, e := range ents {
		if name, err := walname.Parse(e.Name()); err == nil && name.Kind == walname.Segment && name.Timeline == tli {
			n++
		}
	}
	return n
}

// TestReceiveSurvivesServerCrash: the connection cut by the server, then
// the server killed with SIGKILL and started again: the receiver connects
// again each time and resumes with no gap.
func TestReceiveSurvivesServerCrash(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Settings: map[string]string{"wal_keep_size": "256MB"}})
	dir := t.TempDir()
	stop := receiving(t, Options{Server: "main", Conninfo: pg.ConnInfo(), Slot: "barman", CreateSlot: true, Dir: dir, RetryInterval: 200e6})
	first := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	pg.SQL(t, "CREATE TABLE t AS SELECT generate_series(1, 10000) AS x")
	// A cut connection: the server ends the walsender.
	waitFor(t, "streaming", func() bool { return pg.SQL(t, "SELECT count(*) FROM pg_stat_replication") == "1" })
	pg.SQL(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_replication")
	pg.SQL(t, "INSERT INTO t SELECT generate_series(1, 10000)")
	waitFor(t, "streaming again", func() bool { return pg.SQL(t, "SELECT count(*) FROM pg_stat_replication") == "1" })
	pg.Crash(t)
	pg.Start(t)
	pg.SQL(t, "INSERT INTO t SELECT generate_series(1, 10000)")
	pg.SQL(t, "SELECT pg_switch_wal()")
	pg.SQL(t, "INSERT INTO t VALUES (-1)")
	last := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	pg.SQL(t, "SELECT pg_switch_wal()")
	waitFor(t, last+" to be received", func() bool { return exists(filepath.Join(dir, last)) })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	fn, _ := walname.Parse(first)
	ln, _ := walname.Parse(last)
	for seg := fn; walname.Compare(seg, ln) <= 0; seg, _ = seg.Next(16 << 20) {
		got, err := os.ReadFile(filepath.Join(dir, seg.String()))
		if err != nil {
			t.Fatalf("gap: %v", err)
		}
		want, err := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", seg.String()))
		if err == nil && !bytes.Equal(got, want) {
			t.Errorf("%s differs from pg_wal's", seg)
		}
	}
}
