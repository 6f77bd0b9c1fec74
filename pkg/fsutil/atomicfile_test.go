package fsutil

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

func writeAtomicFile(t *testing.T, path, data string) *AtomicFile {
	t.Helper()
	a, err := CreateAtomic(path, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAtomicFileNothingVisibleBeforeCommit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	a := writeAtomicFile(t, p, "data")
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("target visible before commit: %v", err)
	}
	if !IsTemp(filepath.Base(a.Name())) {
		t.Errorf("temporary name %q not recognised by IsTemp", a.Name())
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); string(got) != "data" {
		t.Errorf("got %q", got)
	}
	assertOnlyFiles(t, dir, "f")
}

func TestAtomicFileAbort(t *testing.T) {
	dir := t.TempDir()
	a := writeAtomicFile(t, filepath.Join(dir, "f"), "data")
	if err := a.Abort(); err != nil {
		t.Fatal(err)
	}
	assertOnlyFiles(t, dir)
	if err := a.Commit(); err == nil {
		t.Error("commit after abort succeeded")
	}
}

func TestAtomicFileCommitNoReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := writeAtomicFile(t, p, "first").CommitNoReplace(); err != nil {
		t.Fatal(err)
	}
	err := writeAtomicFile(t, p, "second").CommitNoReplace()
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second commit: %v, want fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "first" {
		t.Errorf("target replaced: %q", got)
	}
	assertOnlyFiles(t, dir, "f")
}

// Of many writers committing one name without replace, exactly one wins.
func TestAtomicFileCommitNoReplaceRace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	const n = 16
	files := make([]*AtomicFile, n)
	for i := range files {
		files[i] = writeAtomicFile(t, p, string(rune('a'+i)))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, a := range files {
		wg.Go(func() { errs[i] = a.CommitNoReplace() })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, fs.ErrExist):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d writers won, want 1", won)
	}
	assertOnlyFiles(t, dir, "f")
}

// A failed fsync of the directory after the rename is the commit's error:
// the name may not survive a crash, so the writer must not report success.
func TestAtomicFileCommitDirSyncError(t *testing.T) {
	for name, commit := range map[string]func(*AtomicFile) error{
		"Commit": (*AtomicFile).Commit, "CommitNoReplace": (*AtomicFile).CommitNoReplace,
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "wals")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			synced := watchFsync(t, "wals", syscall.EIO)
			a := writeAtomicFile(t, filepath.Join(dir, "f"), "data")
			err := commit(a)
			if !errors.Is(err, syscall.EIO) {
				t.Fatalf("commit: %v, want the directory's fsync error", err)
			}
			got := synced()
			if len(got) != 2 || got[0] != a.Name() || filepath.Clean(got[1]) != dir {
				t.Errorf("fsyncs %q, want the file then its directory", got)
			}
		})
	}
}
