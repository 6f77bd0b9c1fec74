package clitest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/pgtest"
)

// history is a server with a backup and, after it, marker rows written
// around each kind of recovery target.
type history struct {
	s     *walSite
	pg    *pgtest.Postgres
	tbs   string
	id    string
	tags  []string // marker rows in commit order
	time  string   // between before_time and after_time
	xid   string   // the transaction of xid_row
	lsn   string   // after before_lsn, before after_lsn
	extra string
}

func (h *history) mark(t *testing.T, tag string) string {
	t.Helper()
	h.tags = append(h.tags, tag)
	return h.pg.SQL(t, "INSERT INTO marks(tag) VALUES ('"+tag+"') RETURNING txid_current()")
}

// newHistory takes a backup of a server with a tablespace while pgbench
// runs, then writes the marker rows and archives all the WAL.
func newHistory(t *testing.T, conf string) *history {
	t.Helper()
	h := &history{s: newWALSite(t, conf)}
	incoming := filepath.Join(h.s.home, "main", "incoming")
	h.pg = pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f"})
	h.tbs = pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, h.tbs)
	h.pg.SQL(t, "CREATE TABLESPACE tbs1 LOCATION '"+h.tbs+"'")
	h.pg.SQL(t, "CREATE TABLE marks (tag text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp()) TABLESPACE tbs1")
	h.pg.Pgbench(t, "-i", "-s", "1", "-q")
	h.s = rewriteConninfo(t, h.s, h.pg)
	bench := h.pg.Command(pgtest.Bin("pgbench"), "-T", "3", "-c", "2", "-n")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "barman", "-c", h.s.conf, "backup", "--wait", "--wait-timeout", "60", "main")
	bench.Wait()
	if code != 0 {
		t.Fatalf("backup exit %d:\n%s%s", code, out, errOut)
	}
	bs, _ := catalog.NewLayout(h.s.home, "main", catalog.Dirs{}).ListBackups()
	h.id = bs[len(bs)-1].ID

	h.mark(t, "after_backup")
	h.mark(t, "before_time")
	time.Sleep(1100 * time.Millisecond)
	h.time = h.pg.SQL(t, "SELECT clock_timestamp()")
	time.Sleep(1100 * time.Millisecond)
	h.mark(t, "after_time")
	h.xid = h.mark(t, "xid_row")
	h.mark(t, "after_xid")
	h.mark(t, "before_rp")
	h.pg.SQL(t, "SELECT pg_create_restore_point('rp1')")
	h.mark(t, "after_rp")
	h.mark(t, "before_lsn")
	h.lsn = h.pg.SQL(t, "SELECT pg_current_wal_insert_lsn()")
	h.mark(t, "after_lsn")
	h.pg.Pgbench(t, "-t", "100", "-c", "2", "-n")
	h.mark(t, "end")
	h.pg.SQL(t, "SELECT pg_switch_wal()")
	waitArchiver(t, h.pg)
	if out, errOut, code := run(t, "barman", "-c", h.s.conf, "cron"); code != 0 {
		t.Fatalf("cron exit %d:\n%s%s", code, out, errOut)
	}
	return h
}

// upTo returns the marker tags up to and including tag ("" for none).
func (h *history) upTo(tag string) string {
	if tag == "" {
		return ""
	}
	for i, t := range h.tags {
		if t == tag {
			return strings.Join(h.tags[:i+1], ",")
		}
	}
	panic("no tag " + tag)
}

// recoverAndStart runs barman recover into a new directory (tablespace
// relocated), starts the result, waits for the end of recovery and
// returns the marker rows and the recover output.
func (h *history) recoverAndStart(t *testing.T, args ...string) (rows, out string, pg *pgtest.Postgres) {
	t.Helper()
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	tbs := filepath.Join(pgtest.TempDir(t), "tbs1")
	full := append([]string{"-c", h.s.conf, "recover", "--tablespace", "tbs1:" + tbs}, args...)
	full = append(full, "main", h.id, dest)
	out, errOut, code := run(t, "barman", full...)
	if code != 0 {
		t.Fatalf("recover %v: exit %d:\n%s%s", args, code, out, errOut)
	}
	pgtest.ChownToOSUser(t, dest, tbs) // as the summary tells the DBA
	pg = pgtest.StartExisting(t, dest, pgtest.Options{})
	waitPromoted(t, pg)
	rows = pg.SQL(t, "SELECT coalesce(string_agg(tag, ',' ORDER BY at), '') FROM marks")
	if loc := pg.SQL(t, "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'tbs1'"); loc != tbs {
		t.Errorf("tablespace tbs1 is in %q, want %q", loc, tbs)
	}
	return rows, out + errOut, pg
}

// TestRecoverTargets: a postgres-method backup with a tablespace and
// pgbench running, then recovery to each target type: the rows before the
// target are there, the ones after it are not; the recovered server starts
// and pg_amcheck passes.
func TestRecover(t *testing.T) {
	h := newHistory(t, "backup_method = postgres\ncompression = gzip\nimmediate_checkpoint = true\nparallel_jobs = 2")
	for _, tc := range []struct {
		name string
		args []string
		want string
		say  []string
	}{
		{"time", []string{"--target-time", h.time}, h.upTo("before_time"), []string{"Doing PITR. Recovery target time:", "Target reached in"}},
		{"xid", []string{"--target-xid", h.xid}, h.upTo("xid_row"), []string{"Recovery target xid: '" + h.xid + "'"}},
		{"xid exclusive", []string{"--target-xid", h.xid, "--exclusive"}, h.upTo("after_time"), nil},
		{"name", []string{"--target-name", "rp1"}, h.upTo("before_rp"), []string{"restore point 'rp1'"}},
		{"lsn", []string{"--target-lsn", h.lsn}, h.upTo("before_lsn"), nil},
		{"immediate", []string{"--target-immediate"}, "", []string{"Recovery target: 'immediate'"}},
		{"end of archive", nil, h.upTo("end"), []string{"Recovery to the end of the archived WAL", "pg_ctl -D"}},
		{"time past the archive", []string{"--target-time", time.Now().Add(time.Hour).Format(time.RFC3339)}, h.upTo("end"),
			[]string{"recovering to the end of the archive instead"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := tc.args
			if len(args) > 0 {
				args = append(args, "--target-action", "promote")
			}
			rows, out, pg := h.recoverAndStart(t, args...)
			if rows != tc.want {
				t.Errorf("rows after recovery to %s:\n got %s\nwant %s\nrecover said:\n%s", tc.name, rows, tc.want, out)
			}
			for _, s := range tc.say {
				if !strings.Contains(out, s) {
					t.Errorf("recover output lacks %q:\n%s", s, out)
				}
			}
			if tc.name == "time" {
				amcheck := pg.Command(pgtest.Bin("pg_amcheck"), "--install-missing", "--all", "--heapallindexed")
				if b, err := amcheck.CombinedOutput(); err != nil {
					t.Errorf("pg_amcheck on the recovered server: %v\n%s", err, b)
				}
			}
			pg.Stop(t)
		})
	}
	t.Run("remote", func(t *testing.T) { h.recoverRemote(t) })
	t.Run("faults", func(t *testing.T) { h.faults(t) })
	t.Run("killed", func(t *testing.T) { h.killed(t) })
	t.Run("barman 3.4 backup", func(t *testing.T) { h.barman34Backup(t) })
}

// recoverRemote recovers through the test sshd as the PostgreSQL OS
// user, with the WAL copied there and a target name.
func (h *history) recoverRemote(t *testing.T) {
	sshd := pgtest.StartSSHD(t)
	root := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, root)
	dest, tbs := filepath.Join(root, "pgdata"), filepath.Join(root, "tbs1")
	out, errOut, code := run(t, "barman", "-c", h.s.conf, "recover", "--remote-ssh-command", sshd.ToPostgres(h.pg),
		"--tablespace", "tbs1:"+tbs, "--target-name", "rp1", "--target-action", "promote", "-j", "2", "main", h.id, dest)
	if code != 0 {
		t.Fatalf("remote recover: exit %d:\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "Starting remote restore") || !strings.Contains(out, "(on the remote host)") {
		t.Errorf("output:\n%s", out)
	}
	pg := pgtest.StartExisting(t, dest, pgtest.Options{})
	waitPromoted(t, pg)
	if rows := pg.SQL(t, "SELECT string_agg(tag, ',' ORDER BY at) FROM marks"); rows != h.upTo("before_rp") {
		t.Errorf("rows after the remote recovery: %s, want %s", rows, h.upTo("before_rp"))
	}
	pg.Stop(t)
	// An unreachable host fails before anything is written.
	out, errOut, code = run(t, "barman", "-c", h.s.conf, "recover", "--remote-ssh-command", "ssh -p 1 -o ConnectTimeout=5 127.0.0.1", "main", h.id, "/tmp/nowhere")
	if code == 0 || !strings.Contains(errOut, "cannot reach the destination host") {
		t.Errorf("unreachable host: exit %d:\n%s%s", code, out, errOut)
	}
}

func waitPromoted(t *testing.T, pg *pgtest.Postgres) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		if r, err := pg.Query("SELECT pg_is_in_recovery()"); err == nil && r == "f" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("recovered server still in recovery:\n%s", tail(pg.LogFile))
		}
	}
}

// faults: each bad input gets a clear error, and nothing is recovered.
func (h *history) faults(t *testing.T) {
	l := catalog.NewLayout(h.s.home, "main", catalog.Dirs{})
	b, err := l.ReadBackupInfo(h.id)
	if err != nil {
		t.Fatal(err)
	}
	failedID := "20200101T000000"
	failed := b.Clone()
	failed.SetStatus(catalog.StatusFailed)
	failed.SetError("failure for the test")
	os.MkdirAll(l.BackupPath(failedID), 0o755)
	if err := os.WriteFile(filepath.Join(l.BackupPath(failedID), "backup.info"), failed.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(l.BackupPath(failedID))
	end, _ := b.EndTime()

	full := pgtest.TempDir(t)
	os.WriteFile(filepath.Join(full, "PG_VERSION"), []byte("15\n"), 0o600)
	notDir := filepath.Join(pgtest.TempDir(t), "file")
	os.WriteFile(notDir, nil, 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"destination not empty", []string{"main", h.id, full}, "is not empty"},
		{"destination not a directory", []string{"main", h.id, notDir}, "is not a directory"},
		{"destination cannot be created", []string{"main", h.id, filepath.Join(notDir, "pgdata")}, "cannot create the destination directory"},
		{"destination with a colon", []string{"main", h.id, "pg:/srv/data"}, "--remote-ssh-command"},
		{"backup not DONE", []string{"main", failedID, filepath.Join(pgtest.TempDir(t), "d")}, "is FAILED, not DONE"},
		{"target before the backup ended", []string{"--target-time", end.Add(-time.Second).Format(time.RFC3339Nano), "main", h.id, filepath.Join(pgtest.TempDir(t), "d")}, "before the end of backup"},
		{"xid never seen", []string{"--target-xid", "99999999", "main", h.id, filepath.Join(pgtest.TempDir(t), "d")}, "never committed nor aborted"},
		{"restore point never created", []string{"--target-name", "nope", "main", h.id, filepath.Join(pgtest.TempDir(t), "d")}, "restore point 'nope' is not in the archived WAL"},
		{"two targets", []string{"--target-name", "rp1", "--target-xid", h.xid, "main", h.id, filepath.Join(pgtest.TempDir(t), "d")}, "cannot be used together"},
		{"unknown tablespace", []string{"--tablespace", "nope:/x", "main", h.id, filepath.Join(pgtest.TempDir(t), "d")}, "has no tablespace \"nope\""},
		{"auto with an xid", []string{"--target-xid", h.xid, "main", "auto", filepath.Join(pgtest.TempDir(t), "d")}, "'auto' works with --target-time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := "tbs1:" + filepath.Join(pgtest.TempDir(t), "t")
			out, errOut, code := run(t, "barman", append([]string{"-c", h.s.conf, "recover", "--tablespace", ts}, tc.args...)...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, want an error saying %q:\n%s%s", code, tc.want, out, errOut)
			}
		})
	}
	t.Run("delta restore into the non-empty directory", func(t *testing.T) {
		out, errOut, code := run(t, "barman", "-c", h.s.conf, "recover", "--delta-restore", "--tablespace", "tbs1:"+filepath.Join(pgtest.TempDir(t), "t"), "main", h.id, full)
		if code != 0 || !strings.Contains(out, "Delta restore") {
			t.Errorf("exit %d:\n%s%s", code, out, errOut)
		}
	})
	t.Run("WAL missing in the middle", func(t *testing.T) {
		entries, _ := l.ReadXlogDB()
		var segs []catalog.WALEntry
		for _, e := range entries {
			if len(e.Name) == 24 && e.Name > b.EndWAL() {
				segs = append(segs, e)
			}
		}
		if len(segs) < 2 {
			t.Fatalf("want 2 segments after end_wal %s, have %v", b.EndWAL(), segs)
		}
		gone := segs[0].Name
		p := l.WALPath(gone)
		if err := os.Rename(p, p+".aside"); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(p+".aside", p)
		out, errOut, code := run(t, "barman", "-c", h.s.conf, "recover", "--tablespace", "tbs1:"+filepath.Join(pgtest.TempDir(t), "t"), "main", h.id, filepath.Join(pgtest.TempDir(t), "d"))
		if code == 0 || !strings.Contains(errOut, gone) {
			t.Errorf("exit %d, want an error naming %s:\n%s%s", code, gone, out, errOut)
		}
		// Also when xlog.db does not list it any more.
		if err := l.WriteXlogDB(without(entries, gone)); err != nil {
			t.Fatal(err)
		}
		defer l.WriteXlogDB(entries)
		out, errOut, code = run(t, "barman", "-c", h.s.conf, "recover", "--tablespace", "tbs1:"+filepath.Join(pgtest.TempDir(t), "t"), "main", h.id, filepath.Join(pgtest.TempDir(t), "d"))
		if code == 0 || !strings.Contains(errOut, "WAL segment "+gone+" is missing") {
			t.Errorf("exit %d, want an error naming %s:\n%s%s", code, gone, out, errOut)
		}
	})
	t.Run("corrupted backup file", func(t *testing.T) {
		p := filepath.Join(l.BackupPath(h.id), "data", "PG_VERSION")
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(p, []byte("14\n"), 0o600)
		defer os.WriteFile(p, orig, 0o600)
		out, errOut, code := run(t, "barman", "-c", h.s.conf, "recover", "--tablespace", "tbs1:"+filepath.Join(pgtest.TempDir(t), "t"), "main", h.id, filepath.Join(pgtest.TempDir(t), "d"))
		if code == 0 || !strings.Contains(errOut, "data/PG_VERSION is corrupted") {
			t.Errorf("exit %d, want a checksum error naming data/PG_VERSION:\n%s%s", code, out, errOut)
		}
	})
}

func without(entries []catalog.WALEntry, name string) []catalog.WALEntry {
	var out []catalog.WALEntry
	for _, e := range entries {
		if e.Name != name {
			out = append(out, e)
		}
	}
	return out
}

// killed: kill -9 during the copy; running recover again refuses the
// half-written directory, and with --delta-restore completes it.
func (h *history) killed(t *testing.T) {
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	tbs := filepath.Join(pgtest.TempDir(t), "tbs1")
	args := []string{"-c", h.s.conf, "recover", "-j", "1", "--tablespace", "tbs1:" + tbs, "--target-name", "rp1", "--target-action", "promote", "main", h.id, dest}
	cmd := exec.Command("barman", args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dest, "base")); err == nil {
			break
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(dest, "postgresql.auto.conf.origin")); err == nil {
		t.Log("recover finished before it was killed")
	}
	if _, errOut, code := run(t, "barman", args...); code == 0 || !strings.Contains(errOut, "not empty") {
		t.Errorf("second run into the half-written directory: exit %d: %s", code, errOut)
	}
	out, errOut, code := run(t, "barman", append(args[:3], append([]string{"--delta-restore"}, args[3:]...)...)...)
	if code != 0 {
		t.Fatalf("delta restore after the kill: exit %d:\n%s%s", code, out, errOut)
	}
	pgtest.ChownToOSUser(t, dest, tbs)
	pg := pgtest.StartExisting(t, dest, pgtest.Options{})
	waitPromoted(t, pg)
	if rows := pg.SQL(t, "SELECT string_agg(tag, ',' ORDER BY at) FROM marks"); rows != h.upTo("before_rp") {
		t.Errorf("rows: %s, want %s", rows, h.upTo("before_rp"))
	}
	pg.Stop(t)
}

// barman34Backup: a backup taken by Debian's Barman 3.4 into the same
// barman_home recovers with ours.
func (h *history) barman34Backup(t *testing.T) {
	pgtest.Require(t, "Debian's barman 3.4", "/usr/bin/barman")
	conf := filepath.Join(filepath.Dir(h.s.conf), "barman34.conf")
	text := fmt.Sprintf("[barman]\nbarman_home = %s\nbarman_user = %s\nlog_file = %s\n[main]\nconninfo = %s\nstreaming_conninfo = %s\nbackup_method = postgres\narchiver = on\ncompression = gzip\n",
		h.s.home, currentUser(t), filepath.Join(filepath.Dir(h.s.conf), "barman34.log"), h.pg.ConnInfo(), h.pg.ConnInfo())
	os.WriteFile(conf, []byte(text), 0o644)
	cmd := exec.Command("/usr/bin/barman", "-c", conf, "backup", "--immediate-checkpoint", "main")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Barman 3.4 backup: %v\n%s", err, b)
	}
	h.mark(t, "after_barman34")
	h.pg.SQL(t, "SELECT pg_switch_wal()")
	waitArchiver(t, h.pg)
	if out, errOut, code := run(t, "barman", "-c", h.s.conf, "cron"); code != 0 {
		t.Fatalf("cron exit %d:\n%s%s", code, out, errOut)
	}
	bs, _ := catalog.NewLayout(h.s.home, "main", catalog.Dirs{}).ListBackups()
	last := bs[len(bs)-1]
	if last.ID == h.id || last.Status() != catalog.StatusDone {
		t.Fatalf("Barman 3.4's backup: %s %s", last.ID, last.Status())
	}
	saved := h.id
	h.id = last.ID
	defer func() { h.id = saved }()
	rows, out, pg := h.recoverAndStart(t)
	if rows != h.upTo("after_barman34") {
		t.Errorf("rows after recovering Barman 3.4's backup: %s, want %s\n%s", rows, h.upTo("after_barman34"), out)
	}
	if !strings.Contains(out, "without checksum verification") {
		t.Errorf("no warning that Barman's backup has no manifest:\n%s", out)
	}
	pg.Stop(t)
}
