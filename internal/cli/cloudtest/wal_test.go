package cloudtest

import (
	"bytes"
	"crypto/rand"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/walfile"
)

const (
	walArchiveTool = "barman-cloud-wal-archive"
	walRestoreTool = "barman-cloud-wal-restore"
	checkTool      = "barman-cloud-check-wal-archive"
	synthSysID     = 7311111111111111111
	synthSegSize   = 16 << 20
)

// synthSeg writes a synthetic 16 MiB segment (walfile.Synthetic) named
// name into dir and returns its path and content.
func synthSeg(t *testing.T, dir, name string, sysid uint64, seed byte) (string, []byte) {
	t.Helper()
	data, err := walfile.Synthetic(name, sysid, synthSegSize, seed)
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, data), data
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// object is the server's file of key (under the fixture's URL prefix).
func (f *fixture) object(key string) string {
	return filepath.Join(f.S3.BucketDir(f.Bucket), "cluster", key)
}

// restoreSame restores name with tool (ours or Barman's) and checks it is
// want byte for byte.
func restoreSame(t *testing.T, f *fixture, barman bool, name string, want []byte) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "RECOVERYXLOG")
	run := f.run
	if barman {
		run = f.runBarman
	}
	if _, errOut, code := run(t, walRestoreTool, f.URL, "pg", name, dest); code != 0 {
		t.Fatalf("restore %s (Barman %v): exit %d\n%s", name, barman, code, errOut)
	}
	got, err := os.ReadFile(dest)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("restore %s (Barman %v): content differs from the archived file (%v)", name, barman, err)
	}
}

// TestWALArchivePostgres: archive_command is our wal-archive under pgbench,
// gzip first, then snappy; every segment PostgreSQL reports archived
// restores byte-identical with our wal-restore (and with Barman's).
func TestWALArchivePostgres(t *testing.T) {
	f := newFixture(t)
	gzipCmd := f.Cmd(walArchiveTool, "-z", f.URL, "pg", "%p")
	pg := pgtest.StartPostgres(t, pgtest.Options{
		ArchiveCommand: gzipCmd,
		InitdbArgs:     []string{"--wal-segsize=1"},
		Settings:       map[string]string{"wal_keep_size": "4GB"},
	})
	pg.Pgbench(t, "-i", "-s", "1")
	awaitArchived(t, pg)
	pg.SQL(t, "ALTER SYSTEM SET archive_command = '"+f.Cmd(walArchiveTool, "--snappy", f.URL, "pg", "%p")+"'")
	pg.SQL(t, "SELECT pg_reload_conf()")
	pg.SQL(t, "SELECT pg_switch_wal()")
	pg.Pgbench(t, "-c", "2", "-t", "300")
	awaitArchived(t, pg)
	if failed := pg.SQL(t, "SELECT failed_count FROM pg_stat_archiver"); failed != "0" {
		t.Fatalf("archive_command failed %s times:\n%s", failed, pg.SQL(t, "SELECT * FROM pg_stat_archiver"))
	}

	done, _ := filepath.Glob(filepath.Join(pg.DataDir, "pg_wal", "archive_status", "*.done"))
	exts := map[string]int{}
	segments := 0
	for _, d := range done {
		name := strings.TrimSuffix(filepath.Base(d), ".done")
		want, err := os.ReadFile(filepath.Join(pg.DataDir, "pg_wal", name))
		if err != nil {
			t.Fatalf("%s archived, but not in pg_wal (wal_keep_size): %v", name, err)
		}
		ext := ""
		if len(name) == 24 {
			segments++
			matches, _ := filepath.Glob(f.object("pg/wals/" + name[:16] + "/" + name + ".*"))
			for _, m := range matches {
				ext = filepath.Ext(m)
				exts[ext]++
			}
		}
		restoreSame(t, f, false, name, want)
		// Barman's snappy does not work here (see brokenSnappy).
		if ext == ".gz" && exts[ext]%4 == 1 {
			restoreSame(t, f, true, name, want)
		}
	}
	t.Logf("%d segments archived and restored, objects by suffix %v", segments, exts)
	if segments < 10 || exts[".gz"] == 0 || exts[".snappy"] == 0 || exts[".gz"]+exts[".snappy"] != segments {
		t.Fatalf("%d segments archived, objects by suffix %v: want at least 10, each once, in .gz and .snappy", segments, exts)
	}
	// The cluster's identity is recorded: it is PostgreSQL's.
	id, err := os.ReadFile(f.object("pg/identity.json"))
	if err != nil || !strings.Contains(string(id), `"system_identifier": "`+pg.SystemID(t)+`"`) || !strings.Contains(string(id), `"segment_size": 1048576`) {
		t.Fatalf("identity.json: %s %v", id, err)
	}
}

// awaitArchived switches to a new segment and waits until PostgreSQL has
// archived the one it closed.
func awaitArchived(t *testing.T, pg *pgtest.Postgres) {
	t.Helper()
	want := pg.SQL(t, "SELECT pg_walfile_name(pg_switch_wal())")
	pgtest.Await(t, "segment "+want+" archived", 3*time.Minute, func() bool {
		return pg.SQL(t, "SELECT coalesce(last_archived_wal, '') FROM pg_stat_archiver") >= want
	})
}

// brokenSnappy is how Debian's python3-snappy 0.5.3 fails on Python 3.11
// (bookworm): its stream format's CRC32C is a C function built without
// PY_SSIZE_T_CLEAN, so Barman 3.4 there can neither write nor read
// snappy. Where that is the failure, the snappy cross-check is reported,
// not required; anywhere Barman's snappy works, it is required.
const brokenSnappy = "PY_SSIZE_T_CLEAN macro must be defined"

// TestWALBarmanInterop: Barman 3.4 restores what ours archived (gzip,
// bzip2, snappy, none), ours restores what Barman archived, and ours
// re-archiving what Barman archived with the same content is a success.
func TestWALBarmanInterop(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	for i, flag := range []string{"-z", "-j", "--snappy", "--gzip"} {
		name := "00000001000000000000000" + string(rune('1'+i))
		p, data := synthSeg(t, dir, name, synthSysID, byte(i))
		if flag == "--gzip" {
			flag = "-v" // no compression
		}
		if _, errOut, code := f.run(t, walArchiveTool, flag, f.URL, "pg", p); code != 0 {
			t.Fatalf("ours %s: exit %d\n%s", flag, code, errOut)
		}
		dest := filepath.Join(t.TempDir(), "RECOVERYXLOG")
		_, errOut, code := f.runBarman(t, walRestoreTool, f.URL, "pg", name, dest)
		if flag == "--snappy" && code == 4 && strings.Contains(errOut, brokenSnappy) {
			t.Logf("Barman 3.4 cannot read snappy here (Debian's python3-snappy): %s", strings.TrimSpace(errOut))
			continue
		}
		if got, err := os.ReadFile(dest); code != 0 || err != nil || !bytes.Equal(got, data) {
			t.Fatalf("Barman restoring our %s: exit %d, content differs or missing (%v)\n%s", flag, code, err, errOut)
		}
	}
	for i, flag := range []string{"-z", "-j", "--snappy", "-v"} {
		name := "00000001000000000000000" + string(rune('5'+i))
		p, data := synthSeg(t, dir, name, synthSysID, byte(10+i))
		_, errOut, code := f.runBarman(t, walArchiveTool, flag, f.URL, "pg", p)
		if flag == "--snappy" && code == 4 && strings.Contains(errOut, brokenSnappy) {
			t.Logf("Barman 3.4 cannot write snappy here (Debian's python3-snappy): %s", strings.TrimSpace(errOut))
			continue
		}
		if code != 0 {
			t.Fatalf("Barman %s: exit %d\n%s", flag, code, errOut)
		}
		restoreSame(t, f, false, name, data)
		if _, errOut, code := f.run(t, walArchiveTool, "-v", "--lz4", f.URL, "pg", p); code != 0 || !strings.Contains(errOut, "already archived") {
			t.Fatalf("ours re-archiving Barman's %s: exit %d\n%s", name, code, errOut)
		}
	}
}

// TestWALArchiveRefusals: what is not a segment of the archived cluster,
// or would replace an archived WAL with other content, is refused with
// exit 1, a message naming it, and nothing stored; the same content again
// is a success.
func TestWALArchiveRefusals(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	seg3 := "000000010000000000000003"
	p3, _ := synthSeg(t, dir, seg3, synthSysID, 1)
	if _, errOut, code := f.run(t, walArchiveTool, "-z", f.URL, "pg", p3); code != 0 {
		t.Fatalf("first archive: exit %d\n%s", code, errOut)
	}
	stored := f.object("pg/wals/0000000100000000/" + seg3 + ".gz")
	before, err := os.ReadFile(stored)
	if err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 1000)
	rand.Read(random)
	seg4 := "000000010000000000000004"
	other := filepath.Join(t.TempDir(), seg4)
	_, foreign := synthSeg(t, filepath.Dir(other), seg4, synthSysID+1, 1)
	_, good4 := synthSeg(t, t.TempDir(), seg4, synthSysID, 1)
	_, diff3 := synthSeg(t, t.TempDir(), seg3, synthSysID, 2)
	cases := []struct {
		what string
		name string
		data []byte
		code int
		want string
	}{
		{"random 1000 bytes", seg4, random, 1, "no WAL page header"},
		{"another cluster", seg4, foreign, 1, "not 7311111111111111111"},
		{"wrong size", seg4, good4[:len(good4)-8192], 1, "a segment is 16777216"},
		{"different content", seg3, diff3, 1, "with different content"},
		{"not a WAL name", "notawal", good4, 3, "is an invalid name for a WAL file"},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), c.name, c.data)
			_, errOut, code := f.run(t, walArchiveTool, "-z", f.URL, "pg", p)
			if code != c.code || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, c.name) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit %d, the file named and %q", code, errOut, c.code, c.want)
			}
			if matches, _ := filepath.Glob(f.object("pg/wals/0000000100000000/" + seg4 + "*")); len(matches) != 0 {
				t.Fatalf("stored: %v", matches)
			}
		})
	}
	if after, _ := os.ReadFile(stored); !bytes.Equal(before, after) {
		t.Fatal("the archived segment was changed")
	}
	if _, errOut, code := f.run(t, walArchiveTool, "-v", "-j", f.URL, "pg", p3); code != 0 || !strings.Contains(errOut, "same content") {
		t.Fatalf("same content again: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(f.object("pg/wals/0000000100000000/" + seg3 + ".bz2")); !os.IsNotExist(err) {
		t.Fatalf("a second copy was stored: %v", err)
	}
	// The hook script mode takes the file from BARMAN_FILE.
	p4 := writeFile(t, t.TempDir(), seg4, good4)
	env := append(f.Env(), "BARMAN_HOOK=archive_script", "BARMAN_PHASE=pre", "BARMAN_FILE="+p4)
	if _, errOut, code := runEnv(t, env, filepath.Join(f.Tools, walArchiveTool), "--endpoint-url", f.S3.Endpoint(), f.URL, "pg"); code != 0 {
		t.Fatalf("hook script: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(f.object("pg/wals/0000000100000000/" + seg4)); err != nil {
		t.Fatalf("hook script did not archive BARMAN_FILE: %v", err)
	}
}

// TestWALRestoreExitCodes: ours and Barman's exit with the same codes
// (missing WAL 1, missing bucket 1 with another message, wrong
// credentials 4, endpoint down 2); a corrupted object is refused, named,
// and nothing is left at the destination.
func TestWALRestoreExitCodes(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	seg3 := "000000010000000000000003"
	p3, _ := synthSeg(t, dir, seg3, synthSysID, 1)
	if _, errOut, code := f.run(t, walArchiveTool, "-z", f.URL, "pg", p3); code != 0 {
		t.Fatalf("archive: exit %d\n%s", code, errOut)
	}
	dest := filepath.Join(t.TempDir(), "RECOVERYXLOG")
	cases := []struct {
		what  string
		env   []string
		url   string
		name  string
		code  int
		want  string // in our stderr
		setup func()
	}{
		{"missing WAL", nil, f.URL, "000000010000000000000009", 1, "WAL file 000000010000000000000009 for server pg does not exists", nil},
		{"missing bucket", nil, "s3://nobucket/x", seg3, 1, "Bucket nobucket does not exist", nil},
		{"wrong credentials", []string{"AWS_SECRET_ACCESS_KEY=wrong"}, f.URL, seg3, 4, "access denied", nil},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			env := append(f.Env(), c.env...)
			args := []string{"--endpoint-url", f.S3.Endpoint(), "-v", c.url, "pg", c.name, dest}
			_, errOut, code := runEnv(t, env, filepath.Join(f.Tools, walRestoreTool), args...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Fatalf("ours: exit %d\n%s\nwant %d and %q", code, errOut, c.code, c.want)
			}
			pgtest.Require(t, "Debian's barman-cli-cloud 3.4", "/usr/bin/"+walRestoreTool)
			_, berr, bcode := runEnv(t, env, "/usr/bin/"+walRestoreTool, args...)
			if bcode != code {
				t.Fatalf("Barman: exit %d, ours %d\n%s", bcode, code, berr)
			}
			if _, err := os.Stat(dest); !os.IsNotExist(err) {
				t.Fatalf("%s was created", dest)
			}
		})
	}

	// A byte flipped in the middle: gzip's own CRC catches it; in an
	// uncompressed segment only the store's checksum does.
	seg4 := "000000010000000000000004"
	p4, _ := synthSeg(t, dir, seg4, synthSysID, 2)
	if _, errOut, code := f.run(t, walArchiveTool, f.URL, "pg", p4); code != 0 {
		t.Fatalf("archive: exit %d\n%s", code, errOut)
	}
	for _, c := range []struct{ name, key string }{
		{seg3, "pg/wals/0000000100000000/" + seg3 + ".gz"},
		{seg4, "pg/wals/0000000100000000/" + seg4},
	} {
		t.Run("corrupt "+c.key, func(t *testing.T) {
			obj := f.object(c.key)
			data, err := os.ReadFile(obj)
			if err != nil {
				t.Fatal(err)
			}
			data[len(data)/2] ^= 0xFF
			if err := os.WriteFile(obj, data, 0o644); err != nil {
				t.Fatal(err)
			}
			destDir := t.TempDir()
			_, errOut, code := f.run(t, walRestoreTool, f.URL, "pg", c.name, filepath.Join(destDir, "RECOVERYXLOG"))
			if code != 128 || !strings.Contains(errOut, c.key) {
				t.Fatalf("exit %d, want 128 (PostgreSQL aborts the recovery) naming %s:\n%s", code, c.key, errOut)
			}
			t.Logf("refused: %s", errOut)
			if ents, _ := os.ReadDir(destDir); len(ents) != 0 {
				t.Fatalf("left at the destination: %v", ents)
			}
		})
	}

	t.Run("endpoint down", func(t *testing.T) {
		f.S3.Stop(t)
		defer f.S3.Start(t)
		_, errOut, code := f.run(t, walRestoreTool, f.URL, "pg", seg3, dest)
		if code != 2 || !strings.Contains(errOut, "cannot be reached") {
			t.Fatalf("ours: exit %d, want 2:\n%s", code, errOut)
		}
		if _, berr, bcode := f.runBarman(t, walRestoreTool, f.URL, "pg", seg3, dest); bcode != 2 {
			t.Fatalf("Barman: exit %d, want 2:\n%s", bcode, berr)
		}
	})
}

// TestWALRestorePrefetch: with -p 4 the next three segments land in the
// spool, and the next calls take them from there (the S3 server is
// stopped: no request is made); the end of the archive is no error; an
// incomplete temporary file in the spool is never used.
func TestWALRestorePrefetch(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	names := []string{"000000010000000000000003", "000000010000000000000004", "000000010000000000000005", "000000010000000000000006"}
	segs := map[string][]byte{}
	for i, n := range names {
		var p string
		p, segs[n] = synthSeg(t, dir, n, synthSysID, byte(i))
		if _, errOut, code := f.run(t, walArchiveTool, "-z", f.URL, "pg", p); code != 0 {
			t.Fatalf("archive %s: exit %d\n%s", n, code, errOut)
		}
	}
	spool := filepath.Join(t.TempDir(), "spool")
	destDir := t.TempDir()
	restore := func(name string) (string, int) {
		_, errOut, code := f.run(t, walRestoreTool, "-p", "4", "--spool-dir", spool, f.URL, "pg", name, filepath.Join(destDir, name))
		return errOut, code
	}
	if errOut, code := restore(names[0]); code != 0 {
		t.Fatalf("restore %s: exit %d\n%s", names[0], code, errOut)
	}
	var spooled []string
	filepath.WalkDir(spool, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			spooled = append(spooled, d.Name())
		}
		return nil
	})
	if strings.Join(spooled, " ") != strings.Join(names[1:], " ") {
		t.Fatalf("spool holds %v, want %v", spooled, names[1:])
	}
	// An interrupted prefetch's temporary file.
	writeFile(t, spool, ".000000010000000000000007.tmp-1", segs[names[0]][:4096])

	f.S3.Stop(t)
	for _, n := range names[1:] {
		if errOut, code := restore(n); code != 0 {
			t.Fatalf("restore %s from the spool with the server stopped: exit %d\n%s", n, code, errOut)
		}
		if got, _ := os.ReadFile(filepath.Join(destDir, n)); !bytes.Equal(got, segs[n]) {
			t.Fatalf("%s from the spool differs", n)
		}
		if _, err := os.Stat(filepath.Join(spool, n)); !os.IsNotExist(err) {
			t.Fatalf("%s still in the spool: copied, not moved", n)
		}
	}
	if errOut, code := restore("000000010000000000000007"); code != 2 {
		t.Fatalf("a temporary file was taken from the spool: exit %d\n%s", code, errOut)
	}
	f.S3.Start(t)
	// The end of the archive: 6 is the last segment; prefetching 7..9 is
	// no error.
	if errOut, code := restore(names[3]); code != 0 {
		t.Fatalf("restore of the last segment: exit %d\n%s", code, errOut)
	}
}

// TestCheckWALArchive: empty archive (and missing bucket) passes, an
// archive with WAL fails, --timeline allows the earlier timelines; ours
// and Barman's agree.
func TestCheckWALArchive(t *testing.T) {
	f := newFixture(t)
	both := func(want int, args ...string) {
		t.Helper()
		_, errOut, code := f.run(t, checkTool, args...)
		_, berr, bcode := f.runBarman(t, checkTool, args...)
		if code != want || bcode != want {
			t.Fatalf("%v: ours exit %d, Barman %d, want %d\nours:\n%s\nBarman:\n%s", args, code, bcode, want, errOut, berr)
		}
	}
	both(0, f.URL, "pg")
	both(0, "s3://nobucket/x", "pg")
	p, _ := synthSeg(t, t.TempDir(), "000000020000000000000003", synthSysID, 1)
	if _, errOut, code := f.run(t, walArchiveTool, f.URL, "pg", p); code != 0 {
		t.Fatalf("archive: exit %d\n%s", code, errOut)
	}
	both(1, f.URL, "pg")
	both(1, "--timeline", "1", f.URL, "pg")
	both(1, "--timeline", "2", f.URL, "pg")
	both(0, "--timeline", "3", f.URL, "pg")
	both(0, f.URL, "other")
	_, errOut, _ := f.run(t, checkTool, f.URL, "pg")
	if !strings.Contains(errOut, "WAL archive check failed for server pg: Expected empty archive") {
		t.Errorf("message: %s", errOut)
	}
}
