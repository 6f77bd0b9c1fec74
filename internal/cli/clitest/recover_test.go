package clitest

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
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
	// Two switches put the markers and the pgbench run after them in
	// at least two segments past end_wal, which the "WAL missing in
	// the middle" fault needs whatever amount of WAL pgbench wrote.
	h.pg.SQL(t, "SELECT pg_switch_wal()")
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
	h.pg.SQL(t, "SELECT pg_switch_wal()")
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
	t.Parallel() // with the other long tests: the suite leaves a core idle half the time
	hookLog := filepath.Join(pgtest.TempDir(t), "hooks.log")
	hook := "env | grep ^BARMAN_ | sort >> " + hookLog + "; echo -- >> " + hookLog
	h := newHistory(t, "backup_method = postgres\ncompression = gzip\nimmediate_checkpoint = true\nparallel_jobs = 2\n"+
		"pre_recovery_script = "+hook+"\npost_recovery_retry_script = "+hook)
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
				checkRecoveryHooks(t, hookLog, h.time)
				amcheck := pg.Command(pgtest.Bin("pg_amcheck"), "--install-missing", "--all", "--heapallindexed")
				if b, err := amcheck.CombinedOutput(); err != nil {
					t.Errorf("pg_amcheck on the recovered server: %v\n%s", err, b)
				}
			}
			pg.Stop(t)
		})
	}
	t.Run("json", func(t *testing.T) { h.recoverJSON(t) })
	t.Run("standby", func(t *testing.T) { h.standby(t) })
	t.Run("get-wal", func(t *testing.T) { h.getWAL(t) })
	t.Run("remote", func(t *testing.T) { h.recoverRemote(t) })
	t.Run("pipeline", func(t *testing.T) { h.pipeline(t) })
	t.Run("faults", func(t *testing.T) { h.faults(t) })
	t.Run("killed", func(t *testing.T) { h.killed(t) })
	t.Run("barman 3.4 backup", func(t *testing.T) { h.barman34Backup(t) })
	t.Run("pipeline of the barman 3.4 backup", func(t *testing.T) { h.pipelineBarman34(t) })
}

// recoverRemote recovers through the test sshd as the PostgreSQL OS
// user, with the WAL copied there and a target name.
func (h *history) recoverRemote(t *testing.T) {
	sshd := pgtest.StartSSHD(t)
	root := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, root)
	dest, tbs := filepath.Join(root, "pgdata"), filepath.Join(root, "tbs1")
	out, errOut, code := run(t, "barman", "-c", h.s.conf, "recover", "--remote-ssh-command", sshd.ToPostgres(h.pg),
		"--tablespace", "tbs1:"+tbs, "--target-name", "rp1", "--target-action", "promote", "-j", "2",
		"--network-compression", "--bwlimit", "500000", "main", h.id, dest)
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
	t.Run("destination not writable", func(t *testing.T) {
		// Root writes anywhere but on a read-only file system.
		if os.Getuid() != 0 {
			pgtest.Unavailable(t, "mounting a read-only tmpfs needs root")
		}
		ro := pgtest.TempDir(t)
		if err := syscall.Mount("tmpfs", ro, "tmpfs", syscall.MS_RDONLY, "size=1m"); err != nil {
			pgtest.Unavailable(t, "cannot mount a tmpfs: %v", err)
		}
		defer syscall.Unmount(ro, 0)
		out, errOut, code := run(t, "barman", "-c", h.s.conf, "recover", "--tablespace", "tbs1:"+filepath.Join(pgtest.TempDir(t), "t"), "main", h.id, ro)
		if code == 0 || !strings.Contains(errOut, "is not writable by") || !strings.Contains(errOut, ro) {
			t.Errorf("exit %d, want an error naming %s as not writable:\n%s%s", code, ro, out, errOut)
		}
	})
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
// half-written directory, and with --delta-restore completes it. The
// killed run copies at 1 KiB/s: once it has begun a file, the megabytes of
// the backup keep it copying for hours, so the kill certainly lands in
// the copy.
func (h *history) killed(t *testing.T) {
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	tbs := filepath.Join(pgtest.TempDir(t), "tbs1")
	args := []string{"-c", h.s.conf, "recover", "-j", "1", "--tablespace", "tbs1:" + tbs, "--target-name", "rp1", "--target-action", "promote", "main", h.id, dest}
	bg := startBarman(t, h.s.conf, append([]string{"recover", "--bwlimit", "1"}, args[3:]...)...)
	waitForFile(t, dest, bg.done)
	bg.cmd.Process.Signal(syscall.SIGKILL)
	<-bg.done
	if _, err := os.Stat(filepath.Join(dest, "postgresql.auto.conf.origin")); err == nil {
		t.Fatal("recover finished before it was killed")
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

// waitForFile returns once there is a regular file under dir, and fails
// the test if done is closed first (the command that was to write it ended).
func waitForFile(t *testing.T, dir string, done <-chan struct{}) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		found := false
		filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				found = true
				return filepath.SkipAll
			}
			return nil
		})
		if found {
			return
		}
		select {
		case <-done:
			t.Fatalf("the command ended before it wrote a file under %s", dir)
		case <-tick.C:
		}
	}
}

// barman34Backup: a backup taken by Debian's Barman 3.4 into the same
// barman_home recovers with ours.
func (h *history) barman34Backup(t *testing.T) { h.barman34BackupWith(t, "", "after_barman34") }

// barman34Conf writes a configuration for Debian's Barman 3.4 sharing
// barman_home with ours (extra: more lines for [main]) and returns its path.
func (h *history) barman34Conf(t *testing.T, extra string) string {
	pgtest.Require(t, "Debian's barman 3.4", "/usr/bin/barman")
	conf := filepath.Join(filepath.Dir(h.s.conf), "barman34.conf")
	text := fmt.Sprintf("[barman]\nbarman_home = %s\nbarman_user = %s\nlog_file = %s\n[main]\nconninfo = %s\nstreaming_conninfo = %s\nbackup_method = postgres\narchiver = on\ncompression = gzip\n%s\n",
		h.s.home, currentUser(t), filepath.Join(filepath.Dir(h.s.conf), "barman34.log"), h.pg.ConnInfo(), h.pg.ConnInfo(), extra)
	os.WriteFile(conf, []byte(text), 0o644)
	return conf
}

// barman34BackupWith: Barman 3.4 takes a backup (extra configuration),
// marker tag is written after it, and ours recovers it to the end.
func (h *history) barman34BackupWith(t *testing.T, extra, tag string) {
	conf := h.barman34Conf(t, extra)
	cmd := exec.Command("/usr/bin/barman", "-c", conf, "backup", "--immediate-checkpoint", "main")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("Barman 3.4 backup: %v\n%s", err, b)
	}
	h.mark(t, tag)
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
	if rows != h.upTo(tag) {
		t.Errorf("rows after recovering Barman 3.4's backup: %s, want %s\n%s", rows, h.upTo(tag), out)
	}
	if !strings.Contains(out, "without checksum verification") {
		t.Errorf("no warning that Barman's backup has no manifest:\n%s", out)
	}
	pg.Stop(t)
}

// checkRecoveryHooks: the pre and post (retry) recovery hooks ran once each
// with the reference's environment.
func checkRecoveryHooks(t *testing.T, logFile, target string) {
	t.Helper()
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("hook log: %v", err)
	}
	runs := strings.Split(strings.TrimSuffix(string(data), "--\n"), "--\n")
	if len(runs) != 2 {
		t.Fatalf("%d hook runs, want 2:\n%s", len(runs), data)
	}
	for i, phase := range []string{"pre", "post"} {
		for _, want := range []string{"BARMAN_PHASE=" + phase, "BARMAN_SERVER=main", "BARMAN_DESTINATION_DIRECTORY=/", "BARMAN_BACKUP_ID=",
			"BARMAN_TABLESPACES={\"tbs1\":", `BARMAN_RECOVER_OPTIONS={`, `"target_time":"` + target + `"`, "BARMAN_ERROR=\n"} {
			if want == "BARMAN_ERROR=\n" && phase == "pre" {
				continue
			}
			if !strings.Contains(runs[i]+"\n", want) {
				t.Errorf("%s hook environment lacks %q:\n%s", phase, want, runs[i])
			}
		}
	}
	if !strings.Contains(runs[1], "BARMAN_HOOK=recovery_retry_script") || !strings.Contains(runs[1], "BARMAN_RETRY=1") {
		t.Errorf("post hook is not the retry script:\n%s", runs[1])
	}
}

// standby: --standby-mode gives a server that stays in recovery and
// replays the archived WAL through restore_command.
func (h *history) standby(t *testing.T) {
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	tbs := filepath.Join(pgtest.TempDir(t), "tbs1")
	out, errOut, code := run(t, "barman", "-c", h.s.conf, "recover", "--standby-mode", "--tablespace", "tbs1:"+tbs, "main", h.id, dest)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dest, "standby.signal")); err != nil {
		t.Errorf("no standby.signal: %v", err)
	}
	auto, _ := os.ReadFile(filepath.Join(dest, "postgresql.auto.conf"))
	if strings.Contains(string(auto), "recovery_end_command") || !strings.Contains(string(auto), "restore_command = 'cp ") {
		t.Errorf("postgresql.auto.conf of a standby:\n%s", auto)
	}
	pgtest.ChownToOSUser(t, dest, tbs)
	pg := pgtest.StartExisting(t, dest, pgtest.Options{})
	want := h.upTo("end")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		rows, err := pg.Query("SELECT string_agg(tag, ',' ORDER BY at) FROM marks")
		if err == nil && rows == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("standby rows %q (%v), want %s\n%s", rows, err, want, tail(pg.LogFile))
		}
	}
	if r := pg.SQL(t, "SELECT pg_is_in_recovery()"); r != "t" {
		t.Errorf("standby is not in recovery: %s", r)
	}
	pg.Stop(t)
}

// getWAL: --get-wal writes a restore_command that runs barman get-wal
// (as the barman user, as Barman says); running it returns the segment.
func (h *history) getWAL(t *testing.T) {
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	tools := toolsFor(t)
	out, errOut, code := run(t, filepath.Join(tools, "barman"), "-c", h.s.conf, "recover", "--get-wal", "--target-name", "rp1",
		"--tablespace", "tbs1:"+filepath.Join(pgtest.TempDir(t), "t"), "main", h.id, dest)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "'get-wal' is in the specified 'recovery_options'") {
		t.Errorf("no get-wal warning:\n%s", errOut)
	}
	if entries, _ := os.ReadDir(filepath.Join(dest, "barman_wal")); len(entries) != 0 {
		t.Errorf("WAL copied although get-wal fetches it: %v", entries)
	}
	auto, _ := os.ReadFile(filepath.Join(dest, "postgresql.auto.conf"))
	var cmd string
	for _, line := range strings.Split(string(auto), "\n") {
		if strings.HasPrefix(line, "restore_command = '") {
			cmd = strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(line, "restore_command = '"), "'"), "''", "'")
		}
	}
	if !strings.Contains(cmd, " get-wal -P 'main' %f > %p") || !strings.Contains(string(auto), "# The 'barman get-wal' command must run as") {
		t.Fatalf("restore_command %q in:\n%s", cmd, auto)
	}
	l := catalog.NewLayout(h.s.home, "main", catalog.Dirs{})
	b, _ := l.ReadBackupInfo(h.id)
	got := filepath.Join(pgtest.TempDir(t), "seg")
	cmd = strings.NewReplacer("%f", b.BeginWAL(), "%p", got).Replace(cmd)
	if b, err := exec.Command("/bin/sh", "-c", cmd).CombinedOutput(); err != nil {
		t.Fatalf("restore_command %s: %v\n%s", cmd, err, b)
	}
	if fi, err := os.Stat(got); err != nil || fi.Size() != 16<<20 {
		t.Errorf("restore_command wrote %v %v", fi, err)
	}
}

// recoverJSON: -f json prints one object with the summary under
// "recovery", for scripts.
func (h *history) recoverJSON(t *testing.T) {
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	out, errOut, code := run(t, "barman", "-c", h.s.conf, "-f", "json", "recover", "--target-xid", h.xid,
		"--tablespace", "tbs1:"+filepath.Join(pgtest.TempDir(t), "t"), "main", h.id, dest)
	if code != 0 {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	var doc struct {
		Recovery struct {
			BackupID    string         `json:"backup_id"`
			Destination string         `json:"destination"`
			Files       int            `json:"files"`
			Target      map[string]any `json:"target"`
			WAL         map[string]any `json:"wal"`
		} `json:"recovery"`
		Info []string `json:"_INFO"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out)
	}
	r := doc.Recovery
	if r.BackupID != h.id || r.Destination != dest || r.Files < 100 || r.Target["target_xid"] != h.xid || r.WAL["segments"] == nil || len(doc.Info) == 0 {
		t.Errorf("JSON summary: %+v", doc)
	}
}
