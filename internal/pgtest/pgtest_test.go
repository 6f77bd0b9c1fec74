package pgtest_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/mattn/go-shellwords"
)

func testSQL(t *testing.T, pg *pgtest.Postgres) {
	if got := pg.SQL(t, "SELECT 1"); got != "1" {
		t.Fatalf("SELECT 1 = %q", got)
	}
	pg.Pgbench(t, "-i", "-s", "1", "-q")
	if got := pg.SQL(t, "SELECT count(*) FROM pgbench_accounts"); got != "100000" {
		t.Errorf("pgbench_accounts has %s rows", got)
	}
	if id := pg.SystemID(t); !regexp.MustCompile(`^[0-9]{10,}$`).MatchString(id) {
		t.Errorf("SystemID = %q", id)
	}
	if got := pg.SQL(t, "SHOW wal_level"); got != "replica" {
		t.Errorf("wal_level = %q", got)
	}
}

func testReloadRestart(t *testing.T, pg *pgtest.Postgres) {
	pg.SQL(t, "ALTER SYSTEM SET work_mem = '7MB'")
	pg.Reload(t)
	if got := pg.SQL(t, "SHOW work_mem"); got != "7MB" {
		t.Errorf("after Reload, work_mem = %q", got)
	}
	pg.Restart(t)
	if got := pg.SQL(t, "SELECT count(*) FROM pgbench_accounts"); got != "100000" {
		t.Errorf("after Restart, pgbench_accounts has %s rows", got)
	}
}

// psqlTCP runs psql over TCP as the test user with the given connection
// string and PGPASSWORD.
func psqlTCP(conninfo, password string) (string, error) {
	cmd := exec.Command(pgtest.Bin("psql"), "-XAtq", "-d", conninfo, "-c", "SELECT 1")
	cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10")
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func TestPassword(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Password: `s3cret 'pw`})
	noPassword := strings.Replace(pg.ConnInfo(), ` password='s3cret \'pw'`, "", 1)
	if noPassword == pg.ConnInfo() {
		t.Fatalf("ConnInfo() = %q: password not quoted as expected", pg.ConnInfo())
	}
	if out, err := psqlTCP(noPassword, "wrong"); err == nil || !strings.Contains(out, "password authentication failed") {
		t.Errorf("wrong password: err=%v out=%q", err, out)
	}
	if out, err := psqlTCP(noPassword, pg.Password); err != nil || out != "1" {
		t.Errorf("right password: err=%v out=%q", err, out)
	}
	if out, err := psqlTCP(pg.ConnInfo(), ""); err != nil || out != "1" {
		t.Errorf("ConnInfo: err=%v out=%q", err, out)
	}
}

// archiveDir is a directory the PostgreSQL OS user can write.
func archiveDir(t *testing.T) string {
	dir := filepath.Join(pgtest.TempDir(t), "incoming")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pgtest.ChownToOSUser(t, dir)
	return dir
}

// testArchive switches WAL and waits until the segment is in dir, or
// until the archiver reports a failure: no deadline, whatever the load.
func testArchive(t *testing.T, pg *pgtest.Postgres, dir string) {
	wal := pg.SQL(t, "SELECT pg_walfile_name(pg_switch_wal())")
	for {
		if _, err := os.Stat(filepath.Join(dir, wal)); err == nil {
			return
		}
		if failed := pg.SQL(t, "SELECT coalesce(last_failed_wal, '') FROM pg_stat_archiver"); failed != "" {
			t.Fatalf("archive_command failed for %s, %s not archived into %s", failed, wal, dir)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// split splits an ssh command like barman splits ssh_command.
func split(t *testing.T, command string, remote ...string) []string {
	t.Helper()
	args, err := shellwords.Parse(command)
	if err != nil {
		t.Fatalf("splitting %q: %v", command, err)
	}
	return append(args, remote...)
}

func output(t *testing.T, cmd *exec.Cmd) string {
	t.Helper()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func testSSH(t *testing.T, pg *pgtest.Postgres, sshd *pgtest.SSHD) {
	args := split(t, sshd.ToPostgres(pg), "id", "-un")
	if got := output(t, exec.Command(args[0], args[1:]...)); got != pg.OSUser {
		t.Errorf("ToPostgres: id -un = %q, want %q", got, pg.OSUser)
	}
	args = split(t, sshd.ToBarman(), "id", "-un")
	me := output(t, exec.Command("id", "-un"))
	if got := output(t, pg.Command(args[0], args[1:]...)); got != me {
		t.Errorf("ToBarman as %s: id -un = %q, want %q", pg.OSUser, got, me)
	}
	if got := output(t, exec.Command("ssh", "-F", sshd.ConfigFile(), "pg", "id", "-un")); got != pg.OSUser {
		t.Errorf("ssh -F ConfigFile pg: id -un = %q, want %q", got, pg.OSUser)
	}
	dst := t.TempDir()
	output(t, exec.Command("rsync", "-a", "-e", sshd.ToPostgres(pg),
		":"+pg.DataDir+"/PG_VERSION", dst+"/")) // barman style: host in the ssh command
	if b, err := os.ReadFile(filepath.Join(dst, "PG_VERSION")); err != nil || strings.TrimSpace(string(b)) != "15" {
		t.Errorf("rsync over ToPostgres: PG_VERSION = %q, %v", b, err)
	}
}

// TestHarness runs the checks on one server and one sshd in a subtest,
// then checks that its cleanup stopped the processes and removed the
// directories.
func TestHarness(t *testing.T) {
	var pids []int
	var dirs []string
	t.Run("server", func(t *testing.T) {
		dir := archiveDir(t)
		pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + dir + "/%f"})
		sshd := pgtest.StartSSHD(t)
		pids = append(pids, pidOf(t, filepath.Join(pg.DataDir, "postmaster.pid")))
		dirs = append(dirs, pg.Dir, sshd.Dir, filepath.Dir(dir))
		t.Run("sql", func(t *testing.T) { testSQL(t, pg) })
		t.Run("archive", func(t *testing.T) { testArchive(t, pg, dir) })
		t.Run("ssh", func(t *testing.T) { testSSH(t, pg, sshd) })
		t.Run("reload-restart", func(t *testing.T) { testReloadRestart(t, pg) })
	})
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
			t.Errorf("process %d still exists after cleanup (kill 0: %v)", pid, err)
		}
	}
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s still exists after cleanup", d)
		}
	}
}

func pidOf(t *testing.T, pidFile string) int {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	for _, c := range strings.SplitN(string(b), "\n", 2)[0] {
		pid = pid*10 + int(c-'0')
	}
	return pid
}

// recorder is a testing.TB that records Skip and Fatalf instead of
// ending the test.
type recorder struct {
	testing.TB
	skipped, failed bool
}

func (r *recorder) Skip(...any)           { r.skipped = true; runtime.Goexit() }
func (r *recorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }
func (r *recorder) Fatal(...any)          { r.failed = true; runtime.Goexit() }

func require(t *testing.T, ci, allow string, paths ...string) *recorder {
	t.Setenv("CI", ci)
	t.Setenv("BARMAN_TEST_ALLOW_SKIP", allow)
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); pgtest.Require(r, "thing", paths...) }()
	<-done
	return r
}

// TestRequire: a missing component fails the test, unless
// BARMAN_TEST_ALLOW_SKIP is true and CI is not.
func TestRequire(t *testing.T) {
	for _, tc := range []struct {
		ci, allow string
		skip      bool
	}{
		{"", "", false},
		{"", "1", true},
		{"false", "true", true},
		{"", "0", false},
		{"", "yes", false}, // not a boolean strconv knows: strict
		{"true", "", false},
		{"true", "1", false}, // CI is strict whatever
		{"1", "true", false},
	} {
		if r := require(t, tc.ci, tc.allow, "/nonexistent/prog"); r.skipped != tc.skip || r.failed == tc.skip {
			t.Errorf("missing binary, CI=%q BARMAN_TEST_ALLOW_SKIP=%q: skipped=%v failed=%v, want skipped=%v",
				tc.ci, tc.allow, r.skipped, r.failed, tc.skip)
		}
		if r := require(t, tc.ci, tc.allow, "sh", pgtest.SSHDPath); r.skipped || r.failed {
			t.Errorf("present binaries, CI=%q BARMAN_TEST_ALLOW_SKIP=%q: skipped=%v failed=%v", tc.ci, tc.allow, r.skipped, r.failed)
		}
	}
}
