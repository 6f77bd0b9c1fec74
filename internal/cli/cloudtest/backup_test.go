package cloudtest

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/internal/s3test"
	"github.com/gobarman/barman/pkg/catalog"
	engine "github.com/gobarman/barman/pkg/cloud"
	"github.com/gobarman/barman/pkg/storage"
)

const server = "pg"

// cluster is a PostgreSQL 15 server archiving its WAL with Debian's
// barman-cloud-wal-archive into the fixture's bucket, with a tablespace.
type cluster struct {
	f     *fixture
	pg    *pgtest.Postgres
	spc   string // the tablespace's location
	count int    // rows in t (on the tablespace) and u (in PGDATA)
}

func newCluster(t *testing.T, f *fixture, scale int) *cluster {
	t.Helper()
	pgtest.Require(t, "Debian's barman-cli-cloud 3.4 (apt-get install barman-cli-cloud python3-boto3)", "/usr/bin/barman-cloud-wal-archive")
	pg := pgtest.StartPostgres(t, pgtest.Options{
		ArchiveCommand: f.barmanCmd("barman-cloud-wal-archive", f.URL, server, "%p"),
		Settings:       map[string]string{"archive_timeout": "0"},
	})
	spc := filepath.Join(pgtest.TempDir(t), "spc")
	if err := os.Mkdir(spc, 0o700); err != nil {
		t.Fatal(err)
	}
	pgtest.ChownToOSUser(t, spc)
	pg.SQL(t, "CREATE TABLESPACE spc LOCATION '"+spc+"'")
	pg.SQL(t, "CREATE TABLE t (id int) TABLESPACE spc; CREATE TABLE u (id int)")
	if scale > 0 {
		pg.Pgbench(t, "-i", "-q", "-s", strconv.Itoa(scale))
	}
	c := &cluster{f: f, pg: pg, spc: spc}
	c.insert(t, 100)
	return c
}

// insert adds n rows to t and u.
func (c *cluster) insert(t *testing.T, n int) {
	t.Helper()
	c.pg.SQL(t, fmt.Sprintf("INSERT INTO t SELECT generate_series(%d, %d); INSERT INTO u SELECT generate_series(%[1]d, %[2]d)", c.count+1, c.count+n))
	c.count += n
}

// archived switches WAL and waits until the segment is archived.
func (c *cluster) archived(t *testing.T) {
	t.Helper()
	seg := c.pg.SQL(t, "SELECT pg_walfile_name(pg_switch_wal())")
	pgtest.Await(t, "WAL segment "+seg+" archived", 60*time.Second, func() bool {
		out, err := c.pg.Query("SELECT coalesce(last_archived_wal, '') >= '" + seg + "' FROM pg_stat_archiver")
		return err == nil && out == "t"
	})
}

func (c *cluster) conn() []string {
	return []string{"-h", c.pg.Host, "-p", strconv.Itoa(c.pg.Port), "-U", c.pg.Superuser}
}

// backup runs our barman-cloud-backup with args and returns the new ID.
func (c *cluster) backup(t *testing.T, args ...string) string {
	t.Helper()
	before := c.ids(t)
	out, errOut, code := c.f.run(t, "barman-cloud-backup", append(append(append(c.conn(), "--immediate-checkpoint"), args...), c.f.URL, server)...)
	if code != 0 {
		t.Fatalf("barman-cloud-backup %v: exit %d\n%s%s", args, code, out, errOut)
	}
	return c.newID(t, before)
}

func (c *cluster) newID(t *testing.T, before map[string]bool) string {
	t.Helper()
	for id := range c.ids(t) {
		if !before[id] {
			return id
		}
	}
	t.Fatalf("no new backup.info under %s/base/", server)
	return ""
}

// ids are the backups that have a backup.info, as the listings see them.
func (c *cluster) ids(t *testing.T) map[string]bool {
	t.Helper()
	st := s3test.Store(t, c.f.S3, c.f.Bucket, "cluster")
	ids := map[string]bool{}
	err := st.List(context.Background(), server+"/base/", storage.ListOptions{}, func(i storage.Info) error {
		if strings.HasSuffix(i.Name, "/backup.info") {
			ids[strings.Split(i.Name, "/")[2]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func (c *cluster) info(t *testing.T, id string) *catalog.BackupInfo {
	t.Helper()
	st := s3test.Store(t, c.f.S3, c.f.Bucket, "cluster")
	data, err := storage.ReadAll(context.Background(), st, engine.Layout{Server: server}.BackupInfo(id))
	if err != nil {
		t.Fatal(err)
	}
	info, err := catalog.ParseBackupInfo(strings.NewReader(string(data)), id)
	if err != nil {
		t.Fatal(err)
	}
	info.ID = id
	return info
}

// recover starts a server on a restored directory with Debian's
// barman-cloud-wal-restore and the recovery target settings, waits for
// the end of recovery and returns the server.
func (c *cluster) recover(t *testing.T, dir string, target map[string]string) *pgtest.Postgres {
	t.Helper()
	settings := map[string]string{
		"restore_command":          c.f.barmanCmd("barman-cloud-wal-restore", c.f.URL, server, "%f", "%p"),
		"recovery_target_action":   "promote",
		"recovery_target_timeline": "current",
	}
	for k, v := range target {
		settings[k] = v
	}
	if err := os.WriteFile(filepath.Join(dir, "recovery.signal"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	pgtest.ChownToOSUser(t, dir)
	rec := pgtest.StartExisting(t, dir, pgtest.Options{ArchiveMode: "off", Settings: settings})
	pgtest.Await(t, "the end of recovery", 2*time.Minute, func() bool {
		out, err := rec.Query("SELECT pg_is_in_recovery()")
		return err == nil && out == "f"
	})
	return rec
}

// rows checks that t and u hold 1..n, and where t is.
func rows(t *testing.T, pg *pgtest.Postgres, n int) {
	t.Helper()
	want := fmt.Sprintf("%d|%d|%d|%d", n, n, n, n)
	if n == 0 {
		want = "0||0|"
	}
	if got := pg.SQL(t, "SELECT count(*), max(id) FROM t UNION ALL SELECT count(*), max(id) FROM u"); strings.ReplaceAll(got, "\n", "|") != want {
		t.Fatalf("rows (count|max of t, then u): %q, want %q", strings.ReplaceAll(got, "\n", "|"), want)
	}
}

func restoreDir(t *testing.T) string { return filepath.Join(pgtest.TempDir(t), "restored") }

// TestCloudBackupRestore: our backups (gzip, then zstd split into several
// archives) restored by ours with the tablespace relocated, recovered
// with Debian's barman-cloud-wal-restore to a restore point; our backups
// restored by Barman 3.4 (gzip, bzip2, snappy), Barman's restored by ours;
// the backup.info keys are Barman's and Barman's listing shows ours.
func TestCloudBackupRestore(t *testing.T) {
	f := newFixture(t)
	c := newCluster(t, f, 1)

	t.Run("ours/gzip/target-name", func(t *testing.T) {
		id := c.backup(t, "-z", "-n", "monday", "-J", "3")
		if info := c.info(t, id); info.Status() != catalog.StatusDone || info.BackupName() != "monday" {
			t.Fatalf("backup.info: status %s, name %q", info.Status(), info.BackupName())
		}
		c.insert(t, 50)
		want := c.count
		c.pg.SQL(t, "SELECT pg_create_restore_point('target')")
		c.insert(t, 50)
		c.archived(t)
		dir, spc := restoreDir(t), filepath.Join(pgtest.TempDir(t), "spc2")
		out, errOut, code := f.run(t, "barman-cloud-restore", "-J", "3", "--tablespace", "spc:"+spc, f.URL, server, "monday", dir)
		if code != 0 {
			t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
		}
		link, err := os.Readlink(filepath.Join(dir, "pg_tblspc", c.pg.SQL(t, "SELECT oid FROM pg_tablespace WHERE spcname = 'spc'")))
		if err != nil || link != spc {
			t.Fatalf("pg_tblspc link: %q, %v; want %s", link, err, spc)
		}
		rec := c.recover(t, dir, map[string]string{"recovery_target_name": "target"})
		rows(t, rec, want)
		if loc := rec.SQL(t, "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'spc'"); loc != spc {
			t.Errorf("tablespace location %q, want %s", loc, spc)
		}
	})

	t.Run("ours/zstd/split", func(t *testing.T) {
		id := c.backup(t, "--zstd", "-S", "1MB")
		want := c.count
		c.archived(t)
		st := s3test.Store(t, f.S3, f.Bucket, "cluster")
		l := engine.Layout{Server: server}
		if _, err := st.Stat(context.Background(), l.ArchiveName(id, "data", 1, "zstd")); err != nil {
			t.Fatalf("-S 1MB: no second archive: %v", err)
		}
		dir := restoreDir(t)
		spc := filepath.Join(pgtest.TempDir(t), "spc3")
		if out, errOut, code := f.run(t, "barman-cloud-restore", "--tablespace", "spc:"+spc, f.URL, server, id, dir); code != 0 {
			t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
		}
		rec := c.recover(t, dir, map[string]string{"recovery_target": "immediate"})
		rows(t, rec, want)
	})

	// bzip2 is split (two archives written at once: the lanes). Snappy
	// is restored by ours only: Debian's python3-snappy 0.5.3
	// fails on Python 3.11 in its stream (de)compressor ("PY_SSIZE_T_CLEAN
	// macro must be defined"), so Barman 3.4 there can neither write nor
	// read snappy backups.
	for _, tc := range []struct {
		name, flag, restorer string
	}{{"gzip", "-z", "barman"}, {"bzip2", "-j -S 2MB", "barman"}, {"snappy", "--snappy", "ours"}, {"lz4", "--lz4", "ours"}} {
		t.Run(tc.restorer+"-restores-ours/"+tc.name, func(t *testing.T) {
			id := c.backup(t, strings.Fields(tc.flag)...)
			if strings.Contains(tc.flag, "-S") {
				st := s3test.Store(t, f.S3, f.Bucket, "cluster")
				if _, err := st.Stat(context.Background(), engine.Layout{Server: server}.ArchiveName(id, "data", 1, tc.name)); err != nil {
					t.Fatalf("%s: no second data archive: %v", tc.flag, err)
				}
			}
			want := c.count
			c.archived(t)
			dir := restoreDir(t)
			spc := filepath.Join(pgtest.TempDir(t), "spc-"+tc.name)
			run := f.runBarman
			if tc.restorer == "ours" {
				run = f.run
			}
			if out, errOut, code := run(t, "barman-cloud-restore", "--tablespace", "spc:"+spc, f.URL, server, id, dir); code != 0 {
				t.Fatalf("%s restore of our %s backup: exit %d\n%s%s", tc.restorer, tc.name, code, out, errOut)
			}
			rec := c.recover(t, dir, map[string]string{"recovery_target": "immediate"})
			rows(t, rec, want)
		})
	}

	t.Run("ours-restores-barman", func(t *testing.T) {
		before := c.ids(t)
		if out, errOut, code := f.runBarman(t, "barman-cloud-backup", append(c.conn(), "-z", "--immediate-checkpoint", f.URL, server)...); code != 0 {
			t.Fatalf("Barman's backup: exit %d\n%s%s", code, out, errOut)
		}
		id := c.newID(t, before)
		want := c.count
		c.archived(t)
		dir := restoreDir(t)
		spc := filepath.Join(pgtest.TempDir(t), "spc-b")
		if out, errOut, code := f.run(t, "barman-cloud-restore", "--tablespace", "spc:"+spc, f.URL, server, id, dir); code != 0 {
			t.Fatalf("our restore of Barman's backup: exit %d\n%s%s", code, out, errOut)
		}
		rec := c.recover(t, dir, map[string]string{"recovery_target": "immediate"})
		rows(t, rec, want)

		// Same keys in backup.info as Barman's.
		ours := c.info(t, c.backup(t, "-z"))
		theirs := c.info(t, id)
		if strings.Join(ours.Keys(), ",") != strings.Join(theirs.Keys(), ",") {
			t.Errorf("backup.info keys:\nours   %v\nBarman %v", ours.Keys(), theirs.Keys())
		}
		for _, k := range []string{"server_name", "status", "mode", "compression", "size"} {
			o, _ := ours.Raw(k)
			b, _ := theirs.Raw(k)
			if o != b {
				t.Errorf("backup.info %s: ours %q, Barman's %q", k, o, b)
			}
		}
		out, errOut, code := f.runBarman(t, "barman-cloud-backup-list", f.URL, server)
		if code != 0 || !strings.Contains(out, ours.ID) {
			t.Errorf("Barman's backup-list does not show our backup %s: exit %d\n%s%s", ours.ID, code, out, errOut)
		}
		out, errOut, code = f.runBarman(t, "barman-cloud-backup-show", f.URL, server, ours.ID)
		if code != 0 || !strings.Contains(out, ours.EndWAL()) || !strings.Contains(out, "DONE") {
			t.Errorf("Barman's backup-show of our backup %s: exit %d\n%s%s", ours.ID, code, out, errOut)
		}
	})
}

// TestCloudRestoreChecks: Barman's refusals and messages.
func TestCloudRestoreChecks(t *testing.T) {
	f := newFixture(t)
	c := newCluster(t, f, 0)
	id := c.backup(t)
	full := pgtest.TempDir(t)
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"not empty", []string{f.URL, server, id, full}, 1, "Destination " + full + " already exists and it is not empty"},
		{"no such id", []string{f.URL, server, "20000101T000000", restoreDir(t)}, 1, "Backup 20000101T000000 for server pg does not exist"},
		{"no such name", []string{f.URL, server, "nosuchname", restoreDir(t)}, 4, "Unknown backup 'nosuchname' for server 'pg'"},
		{"no bucket", []string{"s3://nosuchbucket/x", server, id, restoreDir(t)}, 1, "Bucket nosuchbucket does not exist"},
		{"bad rule", []string{"--tablespace", "nocolon", f.URL, server, id, restoreDir(t)}, 3, "Invalid tablespace relocation rule"},
	} {
		_, errOut, code := f.run(t, "barman-cloud-restore", tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tc.name, code, errOut, tc.code, tc.want)
		}
	}
}

// TestCloudBackupFaults: a killed backup is never listed; an S3 server
// restarted during the upload ends DONE and restorable, or FAILED with a
// clear message; a corrupted archive fails the restore, naming it, and
// leaves no directory; wrong credentials; a missing bucket is created.
func TestCloudBackupFaults(t *testing.T) {
	f := newFixture(t)
	c := newCluster(t, f, 5)

	t.Run("kill -9", func(t *testing.T) {
		before := c.ids(t)
		cmd := c.start(t, "-j")
		c.awaitCopy(t)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if after := c.ids(t); len(after) != len(before) {
			t.Fatalf("a killed backup left a backup.info: %v (before %v)", after, before)
		}
		out, errOut, code := f.runBarman(t, "barman-cloud-backup-list", "--format", "json", f.URL, server)
		if code != 0 || strings.Count(out, `"backup_id"`) != len(before) {
			t.Fatalf("Barman's backup-list after the kill: exit %d, want %d backups\n%s%s", code, len(before), out, errOut)
		}
	})

	t.Run("SIGTERM", func(t *testing.T) {
		before := c.ids(t)
		cmd := c.start(t, "-j")
		c.awaitCopy(t)
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		stderr := cmd.Stderr.(*strings.Builder).String()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr, "Backup failed uploading data") {
			t.Fatalf("SIGTERM: %v, want exit 1 and Barman's message\n%s", err, stderr)
		}
		id := c.newID(t, before)
		if info := c.info(t, id); info.Status() != catalog.StatusFailed || !strings.HasPrefix(info.ErrorMessage(), "failure uploading data (") {
			t.Fatalf("interrupted backup: status %s, error %q; want FAILED, failure uploading data (...)", info.Status(), info.ErrorMessage())
		}
		// Barman 3.4's backup-list shows only DONE backups.
		out, _, code := f.runBarman(t, "barman-cloud-backup-list", f.URL, server)
		if code != 0 || strings.Contains(out, id) {
			t.Errorf("Barman's backup-list shows the failed backup %s (exit %d):\n%s", id, code, out)
		}
	})

	t.Run("S3 restarted", func(t *testing.T) {
		before := c.ids(t)
		want := c.count
		cmd := c.start(t, "-z")
		c.awaitCopy(t)
		// The backup is frozen in its copy while the server restarts, so
		// that the restart falls in the upload whatever the speeds: its
		// connections are gone when it resumes.
		if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		if out, err := c.pg.Query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_backup_start(%' AND state = 'idle' AND pid <> pg_backend_pid()"); err != nil || out != "1" {
			cmd.Process.Signal(syscall.SIGCONT)
			t.Fatalf("the backup left its copy before it was frozen (%q, %v): the restart would not fall in the upload", out, err)
		}
		f.S3.Stop(t)
		f.S3.Start(t)
		if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		err := cmd.Wait()
		stderr := cmd.Stderr.(*strings.Builder).String()
		after := c.ids(t)
		if err != nil {
			if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(stderr, "Backup failed uploading data") {
				t.Fatalf("backup through an S3 restart: %v, want exit 1 with a clear message\n%s", err, stderr)
			}
			for id := range after {
				if !before[id] && c.info(t, id).Status() != catalog.StatusFailed {
					t.Fatalf("failed backup %s has status %s", id, c.info(t, id).Status())
				}
			}
			t.Logf("the backup failed cleanly: %s", stderr)
			return
		}
		id := c.newID(t, before)
		if s := c.info(t, id).Status(); s != catalog.StatusDone {
			t.Fatalf("status %s after exit 0", s)
		}
		c.archived(t)
		dir := restoreDir(t)
		if out, errOut, code := f.run(t, "barman-cloud-restore", "--tablespace", "spc:"+filepath.Join(pgtest.TempDir(t), "s"), f.URL, server, id, dir); code != 0 {
			t.Fatalf("restore: exit %d\n%s%s", code, out, errOut)
		}
		rows(t, c.recover(t, dir, map[string]string{"recovery_target": "immediate"}), want)
	})

	t.Run("corrupt archive", func(t *testing.T) {
		id := c.backup(t)
		obj := engine.Layout{Server: server}.ArchiveName(id, "data", 0, "none")
		file := filepath.Join(f.S3.BucketDir(f.Bucket), "cluster", obj)
		corruptFileContent(t, file)
		dir := restoreDir(t)
		_, errOut, code := f.run(t, "barman-cloud-restore", "--tablespace", "spc:"+filepath.Join(pgtest.TempDir(t), "c"), f.URL, server, id, dir)
		if code == 0 || !strings.Contains(errOut, obj) || !strings.Contains(errOut, "checksum") {
			t.Fatalf("restore of a corrupted archive: exit %d, stderr %q; want a failure naming %s and its checksum", code, errOut, obj)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("the failed restore left %s: %v", dir, err)
		}
	})

	t.Run("wrong credentials", func(t *testing.T) {
		args := append(c.conn(), f.URL, server)
		env := append(f.Env(), "AWS_SECRET_ACCESS_KEY=wrong")
		_, errOut, code := runEnv(t, env, filepath.Join(f.Tools, "barman-cloud-backup"), append([]string{"--endpoint-url", f.S3.Endpoint()}, args...)...)
		_, bErr, bCode := runEnv(t, env, "/usr/bin/barman-cloud-backup", append([]string{"--endpoint-url", f.S3.Endpoint()}, args...)...)
		if code != bCode || code == 0 || !strings.Contains(errOut, "access denied") {
			t.Fatalf("wrong credentials: exit %d (Barman %d), stderr %q\nBarman: %s", code, bCode, errOut, bErr)
		}
	})

	t.Run("missing bucket", func(t *testing.T) {
		url := "s3://newbucket/x"
		if out, errOut, code := f.run(t, "barman-cloud-backup", append(c.conn(), url, server)...); code != 0 {
			t.Fatalf("backup to a missing bucket: exit %d\n%s%s", code, out, errOut)
		}
		out, errOut, code := f.runBarman(t, "barman-cloud-backup-list", url, server)
		if code != 0 || !strings.Contains(out, "20") {
			t.Fatalf("Barman's list of the new bucket: exit %d\n%s%s", code, out, errOut)
		}
	})
}

// start starts our backup (uncompressed but for args) in the background.
func (c *cluster) start(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(filepath.Join(c.f.Tools, "barman-cloud-backup"),
		append(append(append([]string{"--endpoint-url", c.f.S3.Endpoint(), "-J", "1", "--immediate-checkpoint"}, c.conn()...), args...), c.f.URL, server)...)
	cmd.Env = append(os.Environ(), c.f.Env()...)
	cmd.Stderr = &strings.Builder{}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	return cmd
}

// awaitCopy waits until a backup is between pg_backup_start and
// pg_backup_stop: its connection's last statement is pg_backup_start.
func (c *cluster) awaitCopy(t *testing.T) {
	t.Helper()
	pgtest.Await(t, "the backup's copy", time.Minute, func() bool {
		out, err := c.pg.Query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_backup_start(%' AND state = 'idle' AND pid <> pg_backend_pid()")
		return err == nil && out == "1"
	})
}

// corruptFileContent flips a byte in the content of the first member of
// the tar file that has at least 8 KiB: the tar still reads to its end.
func corruptFileContent(t *testing.T, file string) {
	t.Helper()
	fd, err := os.OpenFile(file, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	cr := &countReader{r: fd}
	tr := tar.NewReader(cr)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no member of 8 KiB in %s: %v", file, err)
		}
		if h.Typeflag == tar.TypeReg && h.Size >= 8192 {
			off := cr.n - int64(cr.buffered(tr)) + 4096
			b := make([]byte, 1)
			if _, err := fd.ReadAt(b, off); err != nil {
				t.Fatal(err)
			}
			b[0] ^= 0xff
			if _, err := fd.WriteAt(b, off); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
}

// countReader counts the bytes read: tar.Reader reads headers whole and
// no further, so after Next the count is where the member's data starts.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countReader) buffered(*tar.Reader) int { return 0 }
