package clitest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/lock"
)

// streamingConf is a server that streams its WAL (no archive_command).
const streamingConf = "backup_method = postgres\nstreaming_archiver = on\narchiver = off\nslot_name = barman\ncreate_slot = auto\nimmediate_checkpoint = true\n"

// barmanOK runs barman with the site's configuration and fails the test
// on a non-zero exit; it returns standard output and error together.
func barmanOK(t *testing.T, conf string, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, "barman", append([]string{"-c", conf}, args...)...)
	if code != 0 {
		t.Fatalf("barman %v: exit %d:\n%s%s", args, code, out, errOut)
	}
	return out + errOut
}

// receiveWALPid waits until a receive-wal holds the server's lock and
// returns its pid.
func receiveWALPid(t *testing.T, home string, not int) int {
	t.Helper()
	path := lock.File(home, "main", "receive-wal")
	pid := 0
	pgtest.Await(t, "a receive-wal holding "+path, 60*time.Second, func() bool {
		data, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		pid, _ = strconv.Atoi(strings.SplitN(string(data), "\n", 2)[0])
		if pid <= 0 || pid == not || syscall.Kill(pid, 0) != nil {
			return false
		}
		if lk, err := lock.Acquire(t.Context(), path, "test", 0); err == nil {
			lk.Unlock() // not held: a stale pid
			return false
		}
		return true
	})
	return pid
}

// TestStreaming: cron starts receive-wal (creating the slot), a
// postgres-method backup completes with streamed WAL only, receive-wal
// killed with SIGKILL is restarted by the next cron with no gap, and the
// backup recovers every row with ours and with Barman 3.4.
func TestStreaming(t *testing.T) {
	s := newWALSite(t, streamingConf)
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveMode: "off"})
	s = rewriteConninfo(t, s, pg)
	t.Cleanup(func() { run(t, "barman", "-c", s.conf, "receive-wal", "--stop", "main") })

	barmanOK(t, s.conf, "cron")
	pid := receiveWALPid(t, s.home, 0)
	if got := pg.SQL(t, "SELECT slot_type || ' ' || active FROM pg_replication_slots WHERE slot_name = 'barman'"); got != "physical true" {
		t.Fatalf("slot barman: %q", got)
	}
	if out := barmanOK(t, s.conf, "receive-wal", "main"); !strings.Contains(out, "Another receive-wal process is already running for server main.") {
		t.Errorf("a second receive-wal:\n%s", out)
	}

	pg.SQL(t, "CREATE TABLE marks(tag text, at timestamptz DEFAULT clock_timestamp())")
	mark := func(tag string) { pg.SQL(t, "INSERT INTO marks(tag) VALUES ('"+tag+"')") }
	mark("before_backup")
	pg.Pgbench(t, "-i", "-s", "1", "-q")
	barmanOK(t, s.conf, "backup", "--wait", "--wait-timeout", "120", "main")
	mark("after_backup")

	// SIGKILL: no chance to flush or say goodbye; the slot keeps the WAL.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	mark("while_dead")
	pg.SQL(t, "SELECT pg_switch_wal()")
	mark("after_switch")
	barmanOK(t, s.conf, "cron")
	receiveWALPid(t, s.home, pid)
	mark("after_restart")
	// switch-wal --archive waits for the streamed segment to be archived.
	if out := barmanOK(t, s.conf, "switch-wal", "--archive", "--archive-timeout", "60", "main"); !strings.Contains(out, "has been closed on server 'main'") {
		t.Errorf("switch-wal --archive:\n%s", out)
	}
	check := parseCheck(t, barmanOK(t, s.conf, "check", "main"))
	for _, name := range []string{"PostgreSQL streaming", "replication slot", "receive-wal running", "pg_receivexlog", "archiver errors"} {
		wantCheck(t, check, name, "OK")
	}
	if _, ok := check["archive_command"]; ok {
		t.Errorf("a streaming-only server is checked for archive_command: %v", check)
	}
	if out := barmanOK(t, s.conf, "replication-status", "main"); !strings.Contains(out, "barman_receive_wal") {
		t.Errorf("replication-status does not show receive-wal:\n%s", out)
	}

	l := catalog.NewLayout(s.home, "main", catalog.Dirs{})
	bs, _ := l.ListBackups()
	if len(bs) != 1 || bs[0].Status() != catalog.StatusDone {
		t.Fatalf("backups %v", bs)
	}
	if out := barmanOK(t, s.conf, "check-backup", "main", bs[0].ID); strings.Contains(out, "ERROR") {
		t.Fatalf("check-backup: %s", out)
	}
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	out := barmanOK(t, s.conf, "recover", "main", bs[0].ID, dest)
	pgtest.ChownToOSUser(t, dest)
	rec := pgtest.StartExisting(t, dest, pgtest.Options{ArchiveMode: "off"})
	waitPromoted(t, rec)
	rows := rec.SQL(t, "SELECT string_agg(tag, ',' ORDER BY at) FROM marks")
	want := "before_backup,after_backup,while_dead,after_switch,after_restart"
	if rows != want {
		t.Errorf("rows after recovery: %s, want %s\n%s", rows, want, out)
	}
	rec.Stop(t)
	barman34ListsDone(t, s, pg, bs)
	barman34Recovers(t, s, bs[0].ID, want)

	// A segment of another cluster dropped into streaming/: archive-wal
	// refuses it (errors/), catalogues nothing of it, and check says so.
	other := pgtest.StartPostgres(t, pgtest.Options{ArchiveMode: "off"})
	foreign := other.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	other.SQL(t, "CHECKPOINT")
	data, err := os.ReadFile(filepath.Join(other.DataDir, "pg_wal", foreign))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(l.StreamingDir(), foreign), data, 0o600)
	aout, aerr, _ := run(t, "barman", "-c", s.conf, "archive-wal", "main")
	if !strings.Contains(aout+aerr, "system identifier") {
		t.Errorf("archive-wal does not say the system identifier differs:\n%s%s", aout, aerr)
	}
	if errs, _ := filepath.Glob(filepath.Join(s.home, "main", "errors", foreign+"*")); len(errs) != 1 {
		t.Errorf("the foreign %s is not in errors/: %v", foreign, errs)
	}
	if _, err := os.Stat(filepath.Join(l.StreamingDir(), foreign)); err == nil {
		t.Errorf("the foreign %s is still in streaming/", foreign)
	}
	out, _, _ = run(t, "barman", "-c", s.conf, "check", "main")
	wantCheck(t, parseCheck(t, out), "archiver errors", "FAILED")
	if out := barmanOK(t, s.conf, "receive-wal", "--stop", "main"); !strings.Contains(out, "Stopped process receive-wal(") {
		t.Errorf("--stop: %s", out)
	}
	if _, _, code := run(t, "barman", "-c", s.conf, "receive-wal", "--stop", "main"); code == 0 {
		t.Errorf("--stop with nothing running succeeded")
	}
}

// barman34Recovers: Debian's Barman 3.4 recovers backup id of the site
// (its configuration written by barman34ListsDone) with the rows want.
func barman34Recovers(t *testing.T, s *walSite, id, want string) {
	t.Helper()
	conf := filepath.Join(filepath.Dir(s.conf), "barman34.conf")
	dest := filepath.Join(pgtest.TempDir(t), "pgdata34")
	cmd := exec.Command("/usr/bin/barman", "-c", conf, "recover", "main", id, dest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Barman 3.4 recover: %v\n%s", err, out)
	}
	pgtest.ChownToOSUser(t, dest)
	rec := pgtest.StartExisting(t, dest, pgtest.Options{ArchiveMode: "off"})
	defer rec.Stop(t)
	waitPromoted(t, rec)
	if rows := rec.SQL(t, "SELECT string_agg(tag, ',' ORDER BY at) FROM marks"); rows != want {
		t.Errorf("rows after Barman 3.4's recovery: %s, want %s", rows, want)
	}
}

// barmanFails runs barman, wants a non-zero exit, and returns what it
// printed.
func barmanFails(t *testing.T, conf string, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, "barman", append([]string{"-c", conf}, args...)...)
	if code == 0 {
		t.Fatalf("barman %v succeeded:\n%s%s", args, out, errOut)
	}
	return out + errOut
}

// TestReceiveWALOptions: the slot commands, --reset and --stop, and cron
// stopping receive-wal when streaming_archiver is turned off.
func TestReceiveWALOptions(t *testing.T) {
	s := newWALSite(t, "backup_method = postgres\nstreaming_archiver = on\nslot_name = barman\n")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveMode: "off"})
	s = rewriteConninfo(t, s, pg)
	slots := func() string {
		return pg.SQL(t, "SELECT coalesce(string_agg(slot_name, ','), '') FROM pg_replication_slots")
	}
	contains := func(out, want string) {
		t.Helper()
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	// create_slot = manual: receive-wal refuses a missing slot.
	contains(barmanFails(t, s.conf, "receive-wal", "main"), "replication slot 'barman' doesn't exist")
	contains(barmanOK(t, s.conf, "receive-wal", "--create-slot", "main"), "Replication slot 'barman' created")
	if slots() != "barman" {
		t.Fatalf("slots: %s", slots())
	}
	contains(barmanFails(t, s.conf, "receive-wal", "--create-slot", "main"), "Replication slot 'barman' already exists")
	contains(barmanOK(t, s.conf, "receive-wal", "--create-slot", "--if-not-exists", "main"), "Replication slot 'barman' already exists")
	contains(barmanFails(t, s.conf, "receive-wal", "--stop", "--reset", "main"), "--stop and --reset options are not compatible")

	// --reset with nothing received yet: aligned. After a gap (WAL the slot
	// no longer holds, as when it was dropped and created again) it moves
	// the position to the slot's.
	contains(barmanOK(t, s.conf, "receive-wal", "--reset", "main"), "Nothing to do. Position of receive-wal is aligned.")
	streaming := filepath.Join(s.home, "main", "streaming")
	old := filepath.Join(streaming, "000000010000000000000001.partial")
	os.WriteFile(old, make([]byte, 16<<20), 0o600)
	for range 3 {
		pg.SQL(t, "CREATE TABLE IF NOT EXISTS x (v int); INSERT INTO x VALUES (1); SELECT pg_switch_wal()")
	}
	pg.SQL(t, "CHECKPOINT") // a new slot reserves WAL from the last checkpoint's redo
	barmanOK(t, s.conf, "receive-wal", "--drop-slot", "main")
	barmanOK(t, s.conf, "receive-wal", "--create-slot", "main")
	restart := pg.SQL(t, "SELECT pg_walfile_name(restart_lsn) FROM pg_replication_slots")
	out := barmanOK(t, s.conf, "receive-wal", "--reset", "main")
	contains(out, "Removing status file "+old)
	contains(out, "Creating status file "+filepath.Join(streaming, restart+".partial"))

	// cron starts it; with streaming_archiver = off cron stops it.
	barmanOK(t, s.conf, "cron")
	pid := receiveWALPid(t, s.home, 0)
	waitFor := func(what string, cond func() bool) { t.Helper(); pgtest.Await(t, what, 60*time.Second, cond) }
	waitFor("the slot to be active", func() bool { return pg.SQL(t, "SELECT bool_and(active) FROM pg_replication_slots") == "t" })
	contains(barmanFails(t, s.conf, "receive-wal", "--drop-slot", "main"), "in use")
	appendConf(t, s.conf, "streaming_archiver = off")
	barmanOK(t, s.conf, "cron")
	if syscall.Kill(pid, 0) == nil {
		waitFor("receive-wal to end", func() bool { return syscall.Kill(pid, 0) != nil })
	}
	contains(barmanFails(t, s.conf, "receive-wal", "main"), "streaming_archiver option set to 'off'")
	contains(barmanOK(t, s.conf, "receive-wal", "--drop-slot", "main"), "Replication slot 'barman' dropped")
	contains(barmanFails(t, s.conf, "receive-wal", "--drop-slot", "main"), "Replication slot 'barman' does not exist")
}
