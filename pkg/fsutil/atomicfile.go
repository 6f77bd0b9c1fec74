package fsutil

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempInfix makes the name of an AtomicFile's temporary file: "." +
// base + ".tmp-" + random. A name starting with "." is never
// a blob, a WAL file or a backup.info, so readers skip such files and a
// cleanup may remove the old ones (IsTemp).
const tempInfix = ".tmp-"

// IsTemp reports whether base is the name of an AtomicFile's (or
// WriteAtomic's) temporary file.
func IsTemp(base string) bool {
	return strings.HasPrefix(base, ".") && strings.Contains(base, tempInfix)
}

// AtomicFile is a file written under a temporary name in its target's
// directory: nothing is visible under the target's name until Commit,
// which makes it durable first, and Abort (or a crash) leaves the target
// untouched. The order of Commit is the one crash safety needs: write,
// chmod, fsync the file, close, rename (or link), fsync the directory.
type AtomicFile struct {
	f    *os.File
	path string
	dir  string
	perm os.FileMode
	done bool
}

// CreateAtomic starts writing path: a temporary file is created next to
// it. The directory must exist.
func CreateAtomic(path string, perm os.FileMode) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+tempInfix+"*")
	if err != nil {
		return nil, fmt.Errorf("create temporary file for %q: %w", path, err)
	}
	return &AtomicFile{f: f, path: path, dir: dir, perm: perm}, nil
}

// Name returns the name of the temporary file.
func (a *AtomicFile) Name() string { return a.f.Name() }

// Write writes to the temporary file.
func (a *AtomicFile) Write(p []byte) (int, error) { return a.f.Write(p) }

// ReadFrom keeps *os.File's fast path (copy_file_range from a file).
func (a *AtomicFile) ReadFrom(r io.Reader) (int64, error) { return a.f.ReadFrom(r) }

// Commit makes the file durable and renames it over path, replacing
// what was there, then fsyncs the directory.
func (a *AtomicFile) Commit() error {
	return a.commit(func(tmp string) error {
		if err := os.Rename(tmp, a.path); err != nil {
			return fmt.Errorf("rename %q to %q: %w", tmp, a.path, err)
		}
		return nil
	})
}

// CommitNoReplace is Commit, except that when path exists it is left
// untouched, the temporary file is removed, and the error wraps
// fs.ErrExist. The check and the rename are one step of the kernel
// (RenameNoReplace): of two writers of one name, exactly one wins.
func (a *AtomicFile) CommitNoReplace() error {
	return a.commit(func(tmp string) error {
		if err := RenameNoReplace(tmp, a.path); err != nil {
			return fmt.Errorf("rename %q to %q: %w", tmp, a.path, err)
		}
		return nil
	})
}

// commit runs the steps common to both commits, with place putting the
// closed temporary file in place. On any error the temporary file is
// removed.
func (a *AtomicFile) commit(place func(tmp string) error) (err error) {
	if a.done {
		return fmt.Errorf("write %q: already committed or aborted", a.path)
	}
	a.done = true
	tmp := a.f.Name()
	defer func() {
		if err != nil {
			a.f.Close()
			os.Remove(tmp)
		}
	}()
	if err = a.f.Chmod(a.perm); err != nil {
		return fmt.Errorf("chmod %q: %w", tmp, err)
	}
	if err = fsync(a.f); err != nil {
		return fmt.Errorf("fsync %q: %w", tmp, err)
	}
	if err = a.f.Close(); err != nil {
		return fmt.Errorf("close %q: %w", tmp, err)
	}
	if err = place(tmp); err != nil {
		return err
	}
	return SyncDir(a.dir)
}

// Abort removes the temporary file; the target is untouched. Aborting
// after Commit or Abort does nothing.
func (a *AtomicFile) Abort() error {
	if a.done {
		return nil
	}
	a.done = true
	a.f.Close()
	if err := os.Remove(a.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove temporary file %q: %w", a.f.Name(), err)
	}
	return nil
}
