// Package tmpfstest gives tests a small file system of their own, to
// fill up: a tmpfs mounted in a temporary directory. Mounting needs root,
// as the tests run in CI; elsewhere a test using it fails, unless
// BARMAN_TEST_ALLOW_SKIP=1 lets it skip (pgtest.Unavailable).
package tmpfstest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gobarman/barman/internal/pgtest"
)

// Mount mounts a tmpfs of size bytes on a new temporary directory,
// unmounted when the test ends, and returns the directory.
func Mount(t testing.TB, size int64) string {
	t.Helper()
	dir := t.TempDir()
	if os.Geteuid() != 0 {
		unavailable(t, "it runs as uid %d", os.Geteuid())
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0755", size)); err != nil {
		unavailable(t, "mount: %v", err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			t.Errorf("unmount the test's tmpfs %s: %v", dir, err)
		}
	})
	return dir
}

func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	pgtest.Unavailable(t, "this test needs root to mount a tmpfs, and "+format, args...)
}

// Fill writes a filler file into dir until its file system has no free
// block left, and returns what removes it.
func Fill(t testing.TB, dir string) (free func()) {
	t.Helper()
	p := filepath.Join(dir, "filler")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte{0xf0}, 64<<10)
	for err == nil {
		_, err = f.Write(chunk)
	}
	f.Close()
	if !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("fill %s: %v", dir, err)
	}
	if n := FreeBytes(t, dir); n != 0 {
		t.Fatalf("%s still has %d bytes free after filling it", dir, n)
	}
	return func() {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
}

// FreeBytes is the space left on dir's file system.
func FreeBytes(t testing.TB, dir string) int64 {
	t.Helper()
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}
