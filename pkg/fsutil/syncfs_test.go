package fsutil

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/sys/unix"
)

// failSyncfs makes syncfs fail with errno for the test, and counts its calls.
func failSyncfs(t *testing.T, errno error) (calls *int) {
	calls = new(int)
	orig := syncfs
	syncfs = func(fd int) error {
		*calls++
		if errno != nil {
			return errno
		}
		return orig(fd)
	}
	t.Cleanup(func() { syncfs = orig })
	return calls
}

// kernel makes SyncTrees take the kernel for one whose syncfs reports
// writeback errors (Linux 5.8 and later) or not.
func kernel(t *testing.T, reports bool) {
	orig := syncfsReportsErrors
	syncfsReportsErrors = func() bool { return reports }
	t.Cleanup(func() { syncfsReportsErrors = orig })
}

// twoTrees makes two directories on the same file system, with a file in
// each, and returns them.
func twoTrees(t *testing.T) (string, string) {
	root := t.TempDir()
	var dirs []string
	for _, name := range []string{"pgdata", "tblspc"} {
		d := filepath.Join(root, name)
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "file"), []byte(name), 0o600); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	return dirs[0], dirs[1]
}

// A syncfs error (a writeback error, since Linux 5.8) is returned, not
// papered over by per-file fsyncs that no longer see it.
func TestSyncTreesSyncfsError(t *testing.T) {
	a, b := twoTrees(t)
	failSyncfs(t, unix.EIO)
	kernel(t, true)
	if err := SyncTrees(a, b); !errors.Is(err, unix.EIO) {
		t.Errorf("SyncTrees = %v, want EIO", err)
	}
}

// A directory that vanished is an error: what was written there is gone.
func TestSyncTreesVanished(t *testing.T) {
	a, b := twoTrees(t)
	if err := os.RemoveAll(b); err != nil {
		t.Fatal(err)
	}
	if err := SyncTrees(a, b); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("SyncTrees = %v, want ErrNotExist", err)
	}
}

// Without syncfs, every file and directory of every tree is fsynced, even
// two trees on the same file system, and each tree's parent.
func TestSyncTreesNoSyncfs(t *testing.T) {
	for _, errno := range []error{unix.ENOSYS, unix.EPERM} {
		t.Run(errno.Error(), func(t *testing.T) {
			a, b := twoTrees(t)
			failSyncfs(t, errno)
			synced := watchFsync(t, "", nil)
			if err := SyncTrees(a, b); err != nil {
				t.Fatal(err)
			}
			got := synced()
			for _, p := range []string{a, filepath.Join(a, "file"), b, filepath.Join(b, "file"), filepath.Dir(a)} {
				if !slices.Contains(got, p) {
					t.Errorf("%s not fsynced (fsynced: %q)", p, got)
				}
			}
		})
	}
}

// Once per file system: two trees on one cost one syncfs and no fsync on
// a current kernel; on an older one each file is fsynced as well, and its
// error returned.
func TestSyncTreesOncePerFileSystem(t *testing.T) {
	a, b := twoTrees(t)
	calls := failSyncfs(t, nil)
	synced := watchFsync(t, "", nil)
	kernel(t, true)
	if err := SyncTrees(a, b); err != nil || *calls != 1 || len(synced()) != 0 {
		t.Errorf("current kernel: err %v, %d syncfs, fsynced %q", err, *calls, synced())
	}
	kernel(t, false)
	eio := errors.New("input/output error")
	watchFsync(t, "file", eio)
	if err := SyncTrees(a, b); !errors.Is(err, eio) {
		t.Errorf("old kernel: %v, want the file's fsync error", err)
	}
}

func TestReportsWritebackErrors(t *testing.T) {
	for release, want := range map[string]bool{
		"5.8.0": true, "5.10.0-32-amd64": true, "6.18.44-fc-v1147": true, "10.0": true,
		"5.7.19": false, "4.18.0-553.el8_10.x86_64": false, "3.10.0-1160.el7.x86_64": false, "": false, "linux": false,
	} {
		if got := reportsWritebackErrors(release); got != want {
			t.Errorf("reportsWritebackErrors(%q) = %v, want %v", release, got, want)
		}
	}
}
