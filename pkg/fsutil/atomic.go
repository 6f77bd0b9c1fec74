package fsutil

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// fsync is (*os.File).Sync; the tests watch it and make it fail.
var fsync = (*os.File).Sync

// WriteFileAtomic writes data to path durably and atomically with mode perm.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return WriteAtomic(path, perm, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}

// WriteAtomic creates a temporary file next to path, lets fill write into it,
// then fsyncs it, renames it to path and fsyncs the directory (AtomicFile).
// On any error the temporary file is removed and path is left untouched.
func WriteAtomic(path string, perm os.FileMode, fill func(io.Writer) error) error {
	return writeAtomic(path, perm, fill, (*AtomicFile).Commit)
}

// WriteAtomicNew is WriteAtomic for a path that must not exist: the file
// is moved into place with renameat2(RENAME_NOREPLACE), so that a file
// another process put at path between a caller's check and the rename is
// never replaced. Then the error wraps fs.ErrExist and path keeps what it
// held.
func WriteAtomicNew(path string, perm os.FileMode, fill func(io.Writer) error) error {
	return writeAtomic(path, perm, fill, (*AtomicFile).CommitNoReplace)
}

func writeAtomic(path string, perm os.FileMode, fill func(io.Writer) error, commit func(*AtomicFile) error) error {
	a, err := CreateAtomic(path, perm)
	if err != nil {
		return err
	}
	if err := fill(a.f); err != nil { // the *os.File itself: a child process may write straight into it
		a.Abort()
		return fmt.Errorf("write %q: %w", path, err)
	}
	return commit(a)
}

// SyncDir fsyncs a directory so that a rename or create inside it is durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open directory %q for fsync: %w", dir, err)
	}
	defer d.Close()
	if err := fsync(d); err != nil {
		return fmt.Errorf("fsync directory %q: %w", dir, err)
	}
	return nil
}

// SyncPlaced makes a file that an earlier, interrupted run placed at path
// durable, whatever step that run was stopped at: it fsyncs the file (its
// data), its directory (its name) and that directory's parent (the
// directory's name, when that run created it).
func SyncPlaced(path string) error {
	dir := filepath.Dir(path)
	if err := FsyncPath(path); err != nil {
		return err
	}
	if err := SyncDir(dir); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(dir))
}

// AppendSync appends data to path (created with perm if missing) and
// fsyncs it, and its directory when it created it. It is meant for
// append-only journals such as xlog.db, written under a lock. When the
// write or the fsync fails, the file is cut back to its length before:
// a short write (a full disk) must not leave a line without its end,
// which the next append would extend into one corrupt line.
func AppendSync(path string, data []byte, perm os.FileMode) error {
	f, created, err := openAppend(path, perm)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat %q: %w", path, err)
	}
	if err := writeSync(f, data); err != nil {
		err = fmt.Errorf("append to %q: %w", path, err)
		if cerr := cutBack(f, st.Size()); cerr != nil {
			err = fmt.Errorf("%w; cutting it back to its %d bytes failed too (%v): remove its unfinished last line by hand", err, st.Size(), cerr)
		}
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %q: %w", path, err)
	}
	if created {
		return SyncDir(filepath.Dir(path))
	}
	return nil
}

// openAppend opens path for appending, creating it with perm when it is
// missing; created says whether it did.
func openAppend(path string, perm os.FileMode) (f *os.File, created bool, err error) {
	for {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) { // else created meanwhile: open it
			created = err == nil
			break
		}
	}
	if err != nil {
		return nil, false, fmt.Errorf("open %q for append: %w", path, err)
	}
	return f, created, nil
}

func writeSync(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := fsync(f); err != nil {
		return fmt.Errorf("fsync: %w", err)
	}
	return nil
}

// cutBack truncates f to size, durably.
func cutBack(f *os.File, size int64) error {
	if err := f.Truncate(size); err != nil {
		return err
	}
	return fsync(f)
}

// MkdirAllSync creates dir and missing parents, fsyncing the parent of
// each directory it creates. When dir is there already, it fsyncs dir's
// parent all the same: an earlier run may have created dir and been
// stopped before that fsync.
func MkdirAllSync(dir string, perm os.FileMode) error {
	if _, err := os.Stat(dir); err == nil {
		return SyncDir(filepath.Dir(dir))
	}
	return mkdirAllSync(dir, perm)
}

func mkdirAllSync(dir string, perm os.FileMode) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir {
		if err := mkdirAllSync(parent, perm); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, perm); err != nil && !os.IsExist(err) {
		return fmt.Errorf("create directory %q: %w", dir, err)
	}
	return SyncDir(parent)
}
