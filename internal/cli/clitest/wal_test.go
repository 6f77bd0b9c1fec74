package clitest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/walpush"
)

// toolsFor copies the test binary, under the tools' names, into a
// directory the PostgreSQL OS user can run them from (testscript dispatches
// on the program name).
func toolsFor(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := pgtest.TempDir(t)
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"barman", "barman-wal-ingest", "barman-wal-compress"} {
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// walSite is a barman_home and configuration for one server.
type walSite struct {
	conf, home string
}

func newWALSite(t *testing.T, extra string) *walSite {
	t.Helper()
	base := pgtest.TempDir(t)
	s := &walSite{conf: filepath.Join(base, "barman.conf"), home: filepath.Join(base, "home")}
	incoming := filepath.Join(s.home, "main", "incoming")
	os.MkdirAll(incoming, 0o755)
	pgtest.ChownToOSUser(t, incoming)
	u, _ := user.Current()
	text := fmt.Sprintf("[barman]\nbarman_home = %s\nbarman_user = %s\n\n[main]\ndescription = \"WAL test\"\n%s\n", s.home, u.Username, extra)
	if err := os.WriteFile(s.conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

// archived returns the names PostgreSQL says it archived: every segment
// from the first archived one to last_archived_wal.
func archivedSegments(t *testing.T, pg *pgtest.Postgres, first string) []string {
	t.Helper()
	last := pg.SQL(t, "SELECT last_archived_wal FROM pg_stat_archiver")
	var names []string
	for n := first; n <= last; n = nextSeg(n) {
		names = append(names, n)
	}
	return names
}

func nextSeg(name string) string {
	tli, _ := strconv.ParseUint(name[:8], 16, 32)
	log, _ := strconv.ParseUint(name[8:16], 16, 32)
	seg, _ := strconv.ParseUint(name[16:], 16, 32)
	seg++
	if seg == 0x100 { // 16 MiB segments: 256 per log
		log, seg = log+1, 0
	}
	return fmt.Sprintf("%08X%08X%08X", tli, log, seg)
}

// generateWAL writes WAL with pgbench and switches segments n times.
func generateWAL(t *testing.T, pg *pgtest.Postgres, n int) string {
	t.Helper()
	pg.Pgbench(t, "-i", "-s", "1", "-q")
	first := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	for i := 0; i < n; i++ {
		pg.Pgbench(t, "-t", "50", "-c", "2", "-n")
		pg.SQL(t, "SELECT pg_switch_wal()")
	}
	return first
}

// waitArchiver waits until PostgreSQL has archived everything it closed.
// Every few seconds it reloads the configuration, which sets the
// archiver's latch: in one clean-clone CI run a switched segment's .ready
// file sat unseen for the whole minute of PGARCH_AUTOWAKE_INTERVAL with no
// archive_command failure, so the test waited on PostgreSQL's wake-up, not
// on barman. A reload only wakes the archiver; it archives nothing that
// is not ready, so the check still fails when archiving is broken.
func waitArchiver(t *testing.T, pg *pgtest.Postgres) {
	t.Helper()
	// The segment before the insert position; when WAL was written after
	// the caller's switch (a background record, e.g. the standby snapshot
	// every 15 s), that segment is closed too, or it would never be ready.
	want := pg.SQL(t, `SELECT CASE WHEN pg_walfile_name(pg_current_wal_lsn()) = pg_walfile_name(pg_current_wal_lsn() - 1)
		THEN pg_walfile_name(pg_switch_wal()) ELSE pg_walfile_name(pg_current_wal_lsn() - 1) END`)
	start := time.Now()
	for poke := start; time.Since(start) < 90*time.Second; time.Sleep(200 * time.Millisecond) {
		got := pg.SQL(t, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver")
		if got >= want {
			return
		}
		if time.Since(poke) > 5*time.Second {
			pg.SQL(t, "SELECT pg_reload_conf()")
			poke = time.Now()
		}
	}
	status, _ := filepath.Glob(filepath.Join(pg.DataDir, "pg_wal", "archive_status", "*"))
	for i, p := range status {
		status[i] = filepath.Base(p)
	}
	t.Fatalf("PostgreSQL did not archive up to %s: %s\narchive_status: %v\n%s", want,
		pg.SQL(t, "SELECT * FROM pg_stat_archiver"), status, tail(pg.LogFile))
}

// verifyArchive checks that each segment is in xlog.db exactly once and
// that the archived copy decompresses to PostgreSQL's own file.
func verifyArchive(t *testing.T, s *walSite, pg *pgtest.Postgres, names []string, algo string) {
	t.Helper()
	l := catalog.NewLayout(s.home, "main", catalog.Dirs{})
	entries, err := l.ReadXlogDB()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range entries {
		count[e.Name]++
		if walIsSegment(e.Name) && e.Compression != algo {
			t.Errorf("%s compression %q, want %q", e.Name, e.Compression, algo)
		}
	}
	for i, n := range names {
		if count[n] != 1 {
			t.Errorf("%s is in xlog.db %d times", n, count[n])
			continue
		}
		orig, err := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", n))
		if err != nil {
			t.Fatalf("original %s: %v", n, err)
		}
		// get-wal below decompresses every archived file; the first is
		// also decompressed here, by magic bytes, apart from barman.
		if i == 0 {
			if got := decompressFile(t, l.WALPath(n)); !bytes.Equal(got, orig) {
				t.Errorf("%s: archived copy differs from PostgreSQL's", n)
			}
		}
		out, errOut, code := runOut(t, "barman", "-c", s.conf, "get-wal", "main", n)
		if code != 0 || !bytes.Equal(out, orig) {
			t.Errorf("get-wal %s: exit %d, %d bytes (want %d): %s", n, code, len(out), len(orig), errOut)
		}
	}
}

func walIsSegment(n string) bool { return len(n) == 24 }

func decompressFile(t *testing.T, p string) []byte {
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rc, _, err := compress.OpenAuto(f)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// runOut is run with binary-safe standard output.
func runOut(t *testing.T, tool string, args ...string) ([]byte, string, int) {
	cmd := exec.Command(tool, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.Bytes(), stderr.String(), code
}

// The guide's way: archive_command rsyncs into incoming/, barman cron
// archives, compressed with gzip.
func TestArchiveRsyncAndCron(t *testing.T) {
	t.Parallel() // with the other long tests: the suite leaves a core idle half the time
	pgtest.Require(t, "rsync", "rsync")
	hookLog := filepath.Join(pgtest.TempDir(t), "hooks.log")
	s := newWALSite(t, "compression = gzip\npre_archive_script = env | grep ^BARMAN_ | sort >> "+hookLog+"; echo -- >> "+hookLog+
		"\npost_archive_script = env | grep ^BARMAN_ | sort >> "+hookLog+"; echo -- >> "+hookLog)
	incoming := filepath.Join(s.home, "main", "incoming")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "rsync -a %p " + incoming + "/%f",
		Settings: map[string]string{"wal_keep_size": "1GB"}})
	s = rewriteConninfo(t, s, pg)
	first := generateWAL(t, pg, 8)
	waitArchiver(t, pg)
	out, errOut, code := run(t, "barman", "-c", s.conf, "cron")
	if code != 0 {
		t.Fatalf("cron exit %d:\n%s%s", code, out, errOut)
	}
	if !strings.Contains(out, "Starting WAL archiving for server main") {
		t.Errorf("cron output:\n%s", out)
	}
	names := archivedSegments(t, pg, first)
	if len(names) < 8 {
		t.Fatalf("only %d segments archived", len(names))
	}
	verifyArchive(t, s, pg, names, "gzip")
	checkArchiveHooks(t, hookLog, names[0], filepath.Join(s.home, "main"))
	barman34GetWAL(t, s, pg, names)
	if ents, _ := os.ReadDir(incoming); len(ents) != 0 {
		t.Errorf("incoming not empty: %d files", len(ents))
	}
	// A second cron finds nothing, and check is happy.
	out, _, code = run(t, "barman", "-c", s.conf, "cron")
	if code != 0 {
		t.Errorf("second cron exit %d: %s", code, out)
	}
	out, _, _ = run(t, "barman", "-c", s.conf, "check", "main")
	wantCheck(t, parseCheck(t, out), "continuous archiving", "OK")
	wantCheck(t, parseCheck(t, out), "archiver errors", "OK")
}

func rewriteConninfo(t *testing.T, s *walSite, pg *pgtest.Postgres) *walSite {
	data, _ := os.ReadFile(s.conf)
	os.WriteFile(s.conf, []byte(string(data)+"conninfo = "+pg.ConnInfo()+"\n"), 0o644)
	return s
}

// The safer way: archive_command pushes each segment over SSH to put-wal,
// which fsyncs it before PostgreSQL may recycle it.
func TestArchivePushOverSSH(t *testing.T) {
	t.Parallel() // with the other long tests: the suite leaves a core idle half the time
	tools := toolsFor(t)
	s := newWALSite(t, "compression = zstd")
	sshd := pgtest.StartSSHD(t)
	// Every other segment goes compressed on the way (--compress zstd).
	push := fmt.Sprintf(`case %%f in *[13579BDF]) c=zstd;; *) c=none;; esac; %s/barman-wal-ingest push --compress $c --ssh "%s" --remote-barman %s/barman --remote-config %s main %%p`,
		tools, sshd.ToBarman(), tools, s.conf)
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: push, Settings: map[string]string{"wal_keep_size": "1GB"}})
	s = rewriteConninfo(t, s, pg)
	first := generateWAL(t, pg, 3)
	waitArchiver(t, pg)
	if failed := pg.SQL(t, "SELECT failed_count FROM pg_stat_archiver"); failed != "0" {
		t.Errorf("archiver failures: %s\n%s", failed, tail(pg.LogFile))
	}
	out, errOut, code := run(t, "barman", "-c", s.conf, "archive-wal", "main")
	if code != 0 {
		t.Fatalf("archive-wal exit %d:\n%s%s", code, out, errOut)
	}
	verifyArchive(t, s, pg, archivedSegments(t, pg, first), "zstd")

	// restore_command side: pull one segment back through SSH.
	dest := filepath.Join(pgtest.TempDir(t), first)
	out, errOut, code = run(t, "barman-wal-ingest", "pull", "--ssh", sshd.CommandAs(currentUser(t)),
		"--remote-barman", filepath.Join(tools, "barman"), "--remote-config", s.conf, "main", first, dest)
	orig, _ := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", first))
	got, _ := os.ReadFile(dest)
	if code != 0 || !bytes.Equal(got, orig) {
		t.Errorf("pull: exit %d, %d bytes: %s%s", code, len(got), out, errOut)
	}
	// With look-ahead: the next segments wait in the spool for later calls.
	names := archivedSegments(t, pg, first)
	spool := filepath.Join(pgtest.TempDir(t), "spool")
	pull := func(n, to string) int {
		_, errOut, code := run(t, "barman-wal-ingest", "pull", "--ssh", sshd.CommandAs(currentUser(t)), "-p", "3", "--spool-dir", spool,
			"--remote-barman", filepath.Join(tools, "barman"), "--remote-config", s.conf, "main", n, to)
		if code != 0 {
			t.Logf("pull %s: %s", n, errOut)
		}
		return code
	}
	if code := pull(names[1], dest+".1"); code != 0 {
		t.Fatalf("pull -p 3: exit %d", code)
	}
	for _, n := range names[2:4] {
		if _, err := os.Stat(filepath.Join(spool, "main", n)); err != nil { // a subdirectory per server
			t.Errorf("%s not prefetched: %v", n, err)
		}
	}
	if code := pull(names[2], dest+".2"); code != 0 {
		t.Errorf("pull from the spool: exit %d", code)
	}
	orig2, _ := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", names[2]))
	if got, _ := os.ReadFile(dest + ".2"); !bytes.Equal(got, orig2) {
		t.Errorf("spooled %s differs", names[2])
	}
	_, _, code = run(t, "barman-wal-ingest", "pull", "--ssh", sshd.CommandAs(currentUser(t)),
		"--remote-barman", filepath.Join(tools, "barman"), "--remote-config", s.conf, "main", "0000000100000000000000FF", dest+".x")
	if code != 1 {
		t.Errorf("pull of a missing segment: exit %d, want 1", code)
	}

	asyncPush(t, pg, s, sshd, tools)
}

// asyncPush switches archive_command to push --async (a worker keeps one
// ssh session to put-wal --stream and pushes ahead) and checks that what
// PostgreSQL then archives arrives intact, and that the spool is left
// clean.
func asyncPush(t *testing.T, pg *pgtest.Postgres, s *walSite, sshd *pgtest.SSHD, tools string) {
	t.Helper()
	dir := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, dir)
	spool := filepath.Join(dir, "spool")
	cmd := fmt.Sprintf(`%s/barman-wal-ingest push --async --async-idle 1s --spool-path %s --ssh "%s" --remote-barman %s/barman --remote-config %s main %%p`,
		tools, spool, sshd.ToBarman(), tools, s.conf)
	pg.SQL(t, "ALTER SYSTEM SET archive_command = '"+strings.ReplaceAll(cmd, "'", "''")+"'")
	pg.SQL(t, "SELECT pg_reload_conf()")
	before := pg.SQL(t, "SELECT last_archived_wal FROM pg_stat_archiver")
	for i := 0; i < 5; i++ {
		pg.Pgbench(t, "-t", "50", "-c", "2", "-n")
		pg.SQL(t, "SELECT pg_switch_wal()")
	}
	waitArchiver(t, pg)
	if failed := pg.SQL(t, "SELECT failed_count FROM pg_stat_archiver"); failed != "0" {
		t.Errorf("archiver failures with --async: %s\n%s", failed, tail(pg.LogFile))
	}
	if last := pg.SQL(t, "SELECT last_archived_wal FROM pg_stat_archiver"); last <= before {
		t.Fatalf("nothing archived with --async (last %s, before %s)", last, before)
	}
	// Each segment is in incoming/ as PostgreSQL wrote it (archive-wal
	// takes it from there, as tested above).
	for _, n := range archivedSegments(t, pg, nextSeg(before)) {
		orig, err := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", n))
		if err != nil {
			t.Fatalf("original %s: %v", n, err)
		}
		if got, err := os.ReadFile(filepath.Join(s.home, "main", "incoming", n)); err != nil || !bytes.Equal(got, orig) {
			t.Errorf("%s: not in incoming/ as PostgreSQL wrote it (%v)", n, err)
		}
	}
	// The worker goes away after its idle time; nothing is left behind
	// but its lock and log.
	sp := walpush.Spool{Dir: filepath.Join(spool, "main")}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		running, err := walpush.WorkerRunning(context.Background(), sp)
		if err != nil || !running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the push worker did not stop after its idle time")
		}
	}
	// Each session says how many files it carried: all five segments, and
	// several in one session.
	log, _ := os.ReadFile(sp.LogPath())
	total, most := 0, 0
	for _, m := range regexp.MustCompile(`push worker stops.* pushed=(\d+)`).FindAllStringSubmatch(string(log), -1) {
		n, _ := strconv.Atoi(m[1])
		total, most = total+n, max(most, n)
	}
	if total < 5 || most < 2 {
		t.Errorf("sessions carried %d files in all and %d at most, want >= 5 and >= 2; worker.log:\n%s", total, most, log)
	}
	ents, _ := os.ReadDir(sp.Dir)
	for _, e := range ents {
		if n := e.Name(); n != "worker.lock" && n != "worker.log" {
			t.Errorf("spool holds %s after the pushes", n)
		}
	}
}

func currentUser(t *testing.T) string {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return u.Username
}

// checkArchiveHooks checks the environment the archive hooks saw for one
// segment: pre with the incoming path, post with the archived one.
func checkArchiveHooks(t *testing.T, logFile, seg, serverDir string) {
	t.Helper()
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("hooks did not run: %v", err)
	}
	var pre, post string
	for _, block := range strings.Split(string(data), "--\n") {
		if !strings.Contains(block, "BARMAN_SEGMENT="+seg+"\n") {
			continue
		}
		if strings.Contains(block, "BARMAN_PHASE=pre") {
			pre = block
		} else {
			post = block
		}
	}
	for _, want := range []string{"BARMAN_HOOK=archive_script", "BARMAN_SERVER=main", "BARMAN_FILE=" + serverDir + "/incoming/" + seg, "BARMAN_SIZE=16777216", "BARMAN_COMPRESSION=\n", "BARMAN_RETRY=0", "BARMAN_TIMESTAMP="} {
		if !strings.Contains(pre, want) {
			t.Errorf("pre_archive_script environment lacks %q:\n%s", want, pre)
		}
	}
	for _, want := range []string{"BARMAN_PHASE=post", "BARMAN_FILE=" + serverDir + "/wals/" + seg[:16] + "/" + seg, "BARMAN_COMPRESSION=gzip", "BARMAN_ERROR=\n"} {
		if !strings.Contains(post, want) {
			t.Errorf("post_archive_script environment lacks %q:\n%s", want, post)
		}
	}
}

// barman34GetWAL asks Debian's Barman 3.4, pointed at our barman_home, for
// every archived segment.
func barman34GetWAL(t *testing.T, s *walSite, pg *pgtest.Postgres, names []string) {
	t.Helper()
	pgtest.Require(t, "Debian's barman 3.4", "/usr/bin/barman")
	conf := filepath.Join(filepath.Dir(s.conf), "barman34.conf")
	text := fmt.Sprintf("[barman]\nbarman_home = %s\nbarman_user = %s\nlog_file = %s\n[main]\nconninfo = %s\nbackup_method = postgres\narchiver = on\n",
		s.home, currentUser(t), filepath.Join(filepath.Dir(s.conf), "barman34.log"), pg.ConnInfo())
	os.WriteFile(conf, []byte(text), 0o644)
	for _, n := range names {
		cmd := exec.Command("/usr/bin/barman", "-c", conf, "get-wal", "main", n)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		got, err := cmd.Output()
		orig, _ := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", n))
		if err != nil || !bytes.Equal(got, orig) {
			t.Errorf("Barman 3.4 get-wal %s: %v, %d bytes: %s", n, err, len(got), stderr.String())
		}
	}
}
