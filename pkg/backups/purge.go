package backups

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/fsutil"
)

// RemoveWAL unlinks an archived WAL file (already gone is fine) and its
// hash directory when it becomes empty. xlog.db must no longer list it.
func RemoveWAL(l *catalog.Layout, name string) error {
	p := l.WALPath(name)
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if dir := filepath.Dir(p); filepath.Clean(dir) != filepath.Clean(l.WALsDir()) {
		os.Remove(dir) // fails, as wanted, while the directory holds files
	}
	return nil
}

// trashPrefix names the hidden directory, in the base backups directory,
// where a backup being deleted is moved: base/.deleting-<ID>/<ID>.
const trashPrefix = ".deleting-"

// MoveToTrash takes backup id out of the catalogue in one atomic step,
// before anything of it is deleted, so that a crash never leaves a
// half-deleted backup that looks valid: base/<ID> is renamed to
// base/.deleting-<ID>/<ID>, out of reach of the base/*/backup.info
// pattern (Barman's and ours), and the rename is fsynced. A
// meta/<ID>-backup.info (Barman 3.13+) is removed first. When the rename
// is impossible (base/<ID> is a mount point, say), backup.info is removed
// instead and the directory is left for RemoveAll. It returns the
// directory to remove.
func MoveToTrash(l *catalog.Layout, id string) (string, error) {
	meta := filepath.Join(l.MetaDir(), id+"-backup.info")
	if err := os.Remove(meta); err == nil {
		if err := fsutil.SyncDir(l.MetaDir()); err != nil {
			return "", err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	base, src := l.BaseBackupsDir(), l.BackupPath(id)
	if _, err := os.Lstat(src); errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	trash := filepath.Join(base, trashPrefix+id)
	if err := os.RemoveAll(trash); err != nil {
		return "", err
	}
	if err := os.Mkdir(trash, 0o700); err == nil {
		if err := os.Rename(src, filepath.Join(trash, id)); err == nil {
			return trash, fsutil.SyncDir(base)
		}
		os.Remove(trash)
	}
	if err := os.Remove(l.BackupInfoPath(id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	return src, fsutil.SyncDir(src)
}

// EmptyTrash removes dir (from MoveToTrash) and what earlier interrupted
// deletions left in the base backups directory.
func EmptyTrash(l *catalog.Layout, dir string) error {
	var errs []error
	if dir != "" {
		errs = append(errs, os.RemoveAll(dir))
	}
	ents, _ := os.ReadDir(l.BaseBackupsDir())
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), trashPrefix) {
			errs = append(errs, os.RemoveAll(filepath.Join(l.BaseBackupsDir(), e.Name())))
		}
	}
	errs = append(errs, fsutil.SyncDir(l.BaseBackupsDir()))
	return errors.Join(errs...)
}
