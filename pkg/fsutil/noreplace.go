package fsutil

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// RenameNoReplace renames from to to unless to exists (EEXIST, which
// errors.Is matches with fs.ErrExist). File systems without
// RENAME_NOREPLACE (EINVAL) get the same promise from link + unlink: link
// never replaces either.
func RenameNoReplace(from, to string) error {
	err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	if !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOSYS) {
		return wrapRename(from, to, err)
	}
	return linkUnlink(from, to)
}

func linkUnlink(from, to string) error {
	if err := os.Link(from, to); err != nil {
		return err
	}
	return os.Remove(from)
}

func wrapRename(from, to string, err error) error {
	if err == nil {
		return nil
	}
	return &os.LinkError{Op: "renameat2", Old: from, New: to, Err: err}
}
