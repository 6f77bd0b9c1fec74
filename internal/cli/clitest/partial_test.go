package clitest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
)

// streamerName is the application_name of barman's WAL streamer, which
// synchronous_standby_names names for synchronous streaming.
const streamerName = "barman_receive_wal"

// startStreamer runs barman receive-wal for the site's server in the
// background (streaming_archiver and slot_name are in its configuration)
// and returns what stops it (as --stop does) and waits until it is gone.
func startStreamer(t *testing.T, s *walSite) (stop func()) {
	t.Helper()
	bg := startBarman(t, s.conf, "receive-wal", "main")
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		bg.cmd.Process.Signal(syscall.SIGINT)
		<-bg.done
		if t.Failed() {
			t.Logf("receive-wal said:\n%s", bg.stderr.String())
		}
	}
	t.Cleanup(stop)
	return stop
}

// waitSyncStreamer waits until the streamer is pg's synchronous standby:
// from then on a commit returns only once the streamer has flushed it.
func waitSyncStreamer(t *testing.T, pg *pgtest.Postgres) {
	t.Helper()
	q := "SELECT sync_state FROM pg_stat_replication WHERE application_name = '" + streamerName + "'"
	pgtest.Await(t, "the streamer to be the synchronous standby", 60*time.Second, func() bool {
		st, err := pg.Query(q)
		return err == nil && st == "sync"
	})
}

// recoverStreamed recovers backup id of the site (to the end of the WAL,
// or to the target args give), starts the result and returns the row
// count of t, the recover output and the recovered server's timeline.
func recoverStreamed(t *testing.T, s *walSite, id string, args ...string) (rows int, out string, tli string) {
	t.Helper()
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	full := append(append([]string{"-c", s.conf, "recover"}, args...), "main", id, dest)
	out, errOut, code := run(t, "barman", full...)
	if code != 0 {
		t.Fatalf("recover: exit %d:\n%s%s", code, out, errOut)
	}
	pgtest.ChownToOSUser(t, dest)
	pg := pgtest.StartExisting(t, dest, pgtest.Options{})
	defer pg.Stop(t)
	waitPromoted(t, pg)
	rows, err := strconv.Atoi(pg.SQL(t, "SELECT count(*) FROM t"))
	if err != nil {
		t.Fatal(err)
	}
	return rows, out + errOut, pg.SQL(t, "SELECT timeline_id FROM pg_control_checkpoint()")
}

// TestRecoverStreamedPartial: zero data loss with synchronous streaming.
// A postgres-method backup, then archiving stops: the rows committed
// after it reach barman only through the streamer, some in a segment
// completed and not archived, the last ones only in the .partial segment
// being received. PostgreSQL is killed (SIGKILL); barman recover to the
// end of the WAL gets every acknowledged row, on a new timeline. Without
// the partial file the rows it alone holds are lost.
func TestRecoverStreamedPartial(t *testing.T) {
	s := newWALSite(t, "backup_method = postgres\nimmediate_checkpoint = true\nstreaming_archiver = on\nslot_name = barman\n")
	incoming := filepath.Join(s.home, "main", "incoming")
	streaming := filepath.Join(s.home, "main", "streaming")
	if err := os.MkdirAll(streaming, 0o700); err != nil {
		t.Fatal(err)
	}
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f",
		Settings: map[string]string{"synchronous_standby_names": streamerName}})
	s = rewriteConninfo(t, s, pg)
	pg.SQL(t, "SELECT pg_create_physical_replication_slot('barman', true)")
	stopStreamer := startStreamer(t, s)
	waitSyncStreamer(t, pg)
	pg.SQL(t, "CREATE TABLE t (id int PRIMARY KEY)")
	if out, errOut, code := run(t, "barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "60", "main"); code != 0 {
		t.Fatalf("backup exit %d:\n%s%s", code, out, errOut)
	}
	if out, errOut, code := run(t, "barman", "-c", s.conf, "archive-wal", "main"); code != 0 {
		t.Fatalf("archive-wal exit %d:\n%s%s", code, out, errOut)
	}
	bs, _ := catalog.NewLayout(s.home, "main", catalog.Dirs{}).ListBackups()
	id := bs[len(bs)-1].ID

	// From here on the WAL reaches barman only through the streamer.
	pg.SQL(t, "ALTER SYSTEM SET archive_command = ''")
	pg.SQL(t, "SELECT pg_reload_conf()")
	pg.SQL(t, "INSERT INTO t SELECT generate_series(1, 1000)")
	pg.SQL(t, "SELECT pg_switch_wal()")
	pg.SQL(t, "INSERT INTO t SELECT generate_series(1001, 2000)")
	var xid string // of row 2005
	for i := 2001; i <= 2010; i++ {
		x := pg.SQL(t, "INSERT INTO t VALUES ("+strconv.Itoa(i)+") RETURNING txid_current()") // one commit each, each acknowledged
		if i == 2005 {
			xid = x
		}
	}
	const committed = 2010
	partial, completed := streamedFiles(t, streaming, pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())"))
	pg.Crash(t)
	stopStreamer()
	if len(completed) == 0 {
		t.Fatalf("no completed segment streamed after the backup's: the scenario needs one")
	}

	rows, out, tli := recoverStreamed(t, s, id)
	if rows != committed {
		t.Errorf("recovered %d rows, %d were committed:\n%s", rows, committed, out)
	}
	if !strings.Contains(out, "Using the partial WAL file "+filepath.Join(streaming, partial)) || !strings.Contains(out, "Partial WAL      : "+partial) {
		t.Errorf("recover does not say it used %s:\n%s", partial, out)
	}
	if tli == "1" {
		t.Errorf("the recovered server stayed on timeline 1: the partial segment must end an archive recovery")
	}
	// A target that only the partial segment holds is found there.
	if rows, out, _ := recoverStreamed(t, s, id, "--target-xid", xid, "--target-action", "promote"); rows != 2005 || !strings.Contains(out, "Target reached in: "+strings.TrimSuffix(partial, ".partial")) {
		t.Errorf("recovery to xid %s (row 2005): %d rows:\n%s", xid, rows, out)
	}

	// The same without the partial file: the rows only it holds are lost.
	if err := os.Remove(filepath.Join(streaming, partial)); err != nil {
		t.Fatal(err)
	}
	if rows, out, _ := recoverStreamed(t, s, id); rows != 1000 {
		t.Errorf("without %s: %d rows, want 1000 (the rows before the switch):\n%s", partial, rows, out)
	}
}

// streamedFiles returns the .partial file of segment current in dir and
// the completed segments there, once the streamer has written them.
func streamedFiles(t *testing.T, dir, current string) (partial string, completed []string) {
	t.Helper()
	want := current + ".partial"
	pgtest.Await(t, want+" in "+dir, 30*time.Second, func() bool {
		ents, _ := os.ReadDir(dir)
		partial, completed = "", nil
		for _, e := range ents {
			switch n := e.Name(); {
			case n == want:
				partial = n
			case walIsSegment(n):
				completed = append(completed, n)
			}
		}
		return partial != ""
	})
	return partial, completed
}
