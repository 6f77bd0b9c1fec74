package walingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/gobarman/barman/internal/cli/clikit"
)

// serverSpool returns root/server, a server's spool directory (push
// --async's status files, pull's prefetched WAL), after checking that
// nobody but the PostgreSQL user (this process's effective uid) can put
// files into it: a planted NAME.ok would tell PostgreSQL that a segment is
// archived, a planted segment would be replayed as WAL. The server's
// directory must belong to that user; root may also be root's (an
// administrator made it); neither may be writable by others, except root
// when sticky (/var/tmp). With create, missing directories are made
// (0700); without, a missing one gives "" and no error. flag is the
// option that names root, for the hints.
func serverSpool(root, server, flag string, create bool) (string, error) {
	dir := filepath.Join(root, server)
	if create {
		if err := os.MkdirAll(root, 0o700); err != nil {
			return "", clikit.WithHint(fmt.Errorf("cannot create the spool directory %s: %w", root, err),
				"give %s a directory the PostgreSQL user can create, outside PGDATA", flag)
		}
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
			return "", fmt.Errorf("cannot create the spool directory %s: %w", dir, err)
		}
	}
	for _, d := range []string{root, dir} {
		st, err := os.Stat(d)
		if !create && errors.Is(err, os.ErrNotExist) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if err := checkSpoolDir(d, st, d == root, flag); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// checkSpoolDir applies serverSpool's rule to one directory.
func checkSpoolDir(d string, st os.FileInfo, isRoot bool, flag string) error {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	sticky := st.Mode()&os.ModeSticky != 0 && isRoot
	owner := int(sys.Uid) == os.Geteuid() || (isRoot && sys.Uid == 0)
	if owner && (st.Mode().Perm()&0o022 == 0 || sticky) {
		return nil
	}
	return clikit.WithHint(fmt.Errorf("spool directory %s belongs to uid %d or is writable by others", d, sys.Uid),
		"it must belong to the PostgreSQL user (uid %d) and be writable by it alone: chown and chmod 700 it, or give another %s", os.Geteuid(), flag)
}
