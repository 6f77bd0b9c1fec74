package clitest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/walfile"
)

const smallSeg = 1 << 20

// offlineSite is a server configuration with no PostgreSQL behind it: the
// archive side only.
func offlineSite(t *testing.T, extra string) (conf string, l *catalog.Layout) {
	t.Helper()
	base := pgtest.TempDir(t)
	home := filepath.Join(base, "home")
	conf = filepath.Join(base, "barman.conf")
	u, _ := user.Current()
	text := fmt.Sprintf("[barman]\nbarman_home = %s\nbarman_user = %s\n[main]\nconninfo = host=127.0.0.1 port=1\n%s\n", home, u.Username, extra)
	os.WriteFile(conf, []byte(text), 0o644)
	l = catalog.NewLayout(home, "main", catalog.Dirs{})
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	return conf, l
}

// segName is the n-th segment of timeline 1 with 1 MiB segments.
func segName(n int) string { return fmt.Sprintf("%08X%08X%08X", 1, n/4096, n%4096) }

func dropSegments(t *testing.T, dir string, from, count int) []string {
	t.Helper()
	var names []string
	for i := from; i < from+count; i++ {
		n := segName(i)
		data, err := walfile.Synthetic(n, 42, smallSeg, byte(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), data, 0o600); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return names
}

func xlogNames(t *testing.T, l *catalog.Layout) map[string]int {
	t.Helper()
	entries, err := l.ReadXlogDB()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, e := range entries {
		m[e.Name]++
	}
	return m
}

// The pipeline of the man page, typed by hand in a shell, archives.
func TestHandTypedPipeline(t *testing.T) {
	conf, l := offlineSite(t, "")
	names := dropSegments(t, l.IncomingDir(), 1, 8)
	pipe := fmt.Sprintf("barman-wal-ingest -c %s main | barman-wal-compress --records -j 4 -c gzip | barman-wal-ingest -c %s commit main", conf, conf)
	out, err := exec.Command("bash", "-c", "set -o pipefail; "+pipe).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := strings.Count(string(out), `"status":"archived"`); n != 8 {
		t.Errorf("%d archived records:\n%s", n, out)
	}
	if !strings.Contains(string(out), `"type":"summary"`) {
		t.Errorf("no summary:\n%s", out)
	}
	got := xlogNames(t, l)
	for _, n := range names {
		if got[n] != 1 {
			t.Errorf("%s catalogued %d times", n, got[n])
		}
	}
	// Barman reads xlog.db in file order and stops at the first name past
	// what it looks for: the lines must be in name order, whatever order
	// the parallel compression finished in.
	entries, _ := l.ReadXlogDB()
	for i := 1; i < len(entries); i++ {
		if entries[i-1].Name > entries[i].Name {
			t.Fatalf("xlog.db out of order: %s before %s", entries[i-1].Name, entries[i].Name)
		}
	}
}

// A run killed after the files were placed but before xlog.db was
// appended (here: the commit stage never ran) is repaired by the next
// archive-wal: each file catalogued exactly once.
func TestRepairAfterKillBeforeCommit(t *testing.T) {
	conf, l := offlineSite(t, "compression = gzip")
	names := dropSegments(t, l.IncomingDir(), 1, 3)
	pipe := fmt.Sprintf("barman-wal-ingest -c %s main | barman-wal-compress --records -c gzip > /dev/null", conf)
	if out, err := exec.Command("sh", "-c", pipe).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, n := range names {
		if _, err := os.Stat(l.WALPath(n)); err != nil {
			t.Fatalf("%s not placed: %v", n, err)
		}
	}
	if len(xlogNames(t, l)) != 0 {
		t.Fatal("catalogued without commit")
	}
	out, errOut, code := run(t, "barman", "-c", conf, "archive-wal", "main")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	got := xlogNames(t, l)
	for _, n := range names {
		if got[n] != 1 {
			t.Errorf("%s catalogued %d times", n, got[n])
		}
	}
	if ents, _ := os.ReadDir(l.IncomingDir()); len(ents) != 0 {
		t.Errorf("incoming not emptied")
	}
}

// Two archivers never handle the same files: the second finds the lock.
func TestArchiveWALLocked(t *testing.T) {
	conf, l := offlineSite(t, "")
	dropSegments(t, l.IncomingDir(), 1, 1)
	lk, err := lock.Acquire(context.Background(), lock.File(l.Home, "main", "archive-wal"), "archive-wal", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Unlock()
	_, errOut, code := run(t, "barman", "-c", conf, "archive-wal", "main")
	if code == 0 || !strings.Contains(errOut, fmt.Sprintf("locked by pid %d (archive-wal)", os.Getpid())) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	out, _, code := run(t, "barman", "-c", conf, "cron")
	if code != 0 || !strings.Contains(out, "already running") {
		t.Errorf("cron with a busy archiver: exit %d: %s", code, out)
	}
	if ents, _ := os.ReadDir(l.IncomingDir()); len(ents) != 1 {
		t.Errorf("file handled while locked")
	}
}

// No space left in the archive: the file that does not fit stays in
// incoming/, nothing half-written is left, and the next run completes.
func TestArchiveDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		pgtest.Unavailable(t, "mounting a small tmpfs needs root")
	}
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=2600k"); err != nil {
		pgtest.Unavailable(t, "cannot mount a tmpfs: %v", err)
	}
	defer syscall.Unmount(mnt, syscall.MNT_DETACH)
	conf, _ := offlineSite(t, "wals_directory = "+mnt+"/wals")
	base := filepath.Dir(conf)
	l := catalog.NewLayout(filepath.Join(base, "home"), "main", catalog.Dirs{WALs: mnt + "/wals"})
	l.EnsureDirs()
	names := dropSegments(t, l.IncomingDir(), 1, 4)
	out, errOut, code := run(t, "barman", "-c", conf, "archive-wal", "main")
	if code == 0 {
		t.Fatalf("archive-wal succeeded on a full disk:\n%s", out)
	}
	if !strings.Contains(out+errOut, "no space left on device") {
		t.Errorf("no clear message:\n%s%s", out, errOut)
	}
	got := xlogNames(t, l)
	for _, n := range names {
		_, inIncoming := os.Stat(filepath.Join(l.IncomingDir(), n))
		if (got[n] == 1) == (inIncoming == nil) {
			t.Errorf("%s: catalogued %d, still in incoming %v", n, got[n], inIncoming == nil)
		}
	}
	filepath.WalkDir(mnt, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".") {
			t.Errorf("half-written file left: %s", p)
		}
		return nil
	})
	// Make room, run again: everything archived exactly once.
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", syscall.MS_REMOUNT, "size=16m"); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := run(t, "barman", "-c", conf, "archive-wal", "main"); code != 0 {
		t.Fatalf("after making room: exit %d\n%s%s", code, out, errOut)
	}
	got = xlogNames(t, l)
	for _, n := range names {
		if got[n] != 1 {
			t.Errorf("%s catalogued %d times", n, got[n])
		}
	}
}

// A file barman_user cannot read stays where it is, with a clear error.
func TestArchiveUnreadableFile(t *testing.T) {
	if os.Geteuid() != 0 {
		pgtest.Unavailable(t, "needs root to run barman as another barman_user")
	}
	osUser := pgtest.OSUser(t)
	conf, l := offlineSite(t, "")
	data, _ := os.ReadFile(conf)
	u, _ := user.Current()
	os.WriteFile(conf, []byte(strings.Replace(string(data), "barman_user = "+u.Username, "barman_user = "+osUser, 1)), 0o644)
	pgtest.ChownToOSUser(t, l.Home)
	os.Chmod(filepath.Dir(conf), 0o755)
	names := dropSegments(t, l.IncomingDir(), 1, 2)
	pgtest.ChownToOSUser(t, filepath.Join(l.IncomingDir(), names[1]))
	// names[0] stays root's, mode 0600: unreadable for barman_user.
	out, errOut, code := run(t, "barman", "-c", conf, "archive-wal", "main")
	if code == 0 || !strings.Contains(out+errOut, "permission denied") || !strings.Contains(out+errOut, names[0]) {
		t.Errorf("exit %d:\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(l.IncomingDir(), names[0])); err != nil {
		t.Errorf("unreadable file moved: %v", err)
	}
	if got := xlogNames(t, l); got[names[1]] != 1 || got[names[0]] != 0 {
		t.Errorf("xlog.db %v", got)
	}
}
