package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/fsutil"
)

// FindBackupInfo returns the backup.info file of backup id: as Barman
// 3.13.2+, meta/<ID>-backup.info when it exists, else base/<ID>/backup.info
// (the only place Barman 3.4 knows). A stale base/ copy left by an upgrade
// thus never hides the current meta/ file.
func (l *Layout) FindBackupInfo(id string) string {
	if meta := l.metaBackupInfoPath(id); fileExists(meta) {
		return meta
	}
	return l.BackupInfoPath(id)
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// ReadBackupInfo reads the backup.info of backup id.
func (l *Layout) ReadBackupInfo(id string) (*BackupInfo, error) {
	b, err := ReadBackupInfo(l.FindBackupInfo(id))
	if err != nil {
		return nil, err
	}
	b.ID = id
	return b, nil
}

// WriteBackupInfo writes b to base/<ID>/backup.info atomically, creating
// the backup directory when missing. When a meta/<ID>-backup.info exists
// it is the one written, so that Barman 3.13.2+ sees the change.
func (l *Layout) WriteBackupInfo(b *BackupInfo) error {
	if b.ID == "" || strings.ContainsAny(b.ID, `/\`) || b.ID == "." || b.ID == ".." {
		return fmt.Errorf("invalid backup ID %q", b.ID)
	}
	path := l.FindBackupInfo(b.ID)
	if err := fsutil.MkdirAllSync(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return fsutil.WriteFileAtomic(path, b.Marshal(), 0o644)
}

// ListBackups reads every backup.info of the server, in base/*/ and in
// meta/, and returns them sorted by backup ID. Backup directories without
// a backup.info are skipped, as Barman does.
func (l *Layout) ListBackups() ([]*BackupInfo, error) {
	ids, err := l.backupIDs()
	if err != nil {
		return nil, err
	}
	out := make([]*BackupInfo, 0, len(ids))
	for _, id := range ids {
		b, err := l.ReadBackupInfo(id)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// backupIDs lists the IDs that have a backup.info, sorted.
func (l *Layout) backupIDs() ([]string, error) {
	base, err := filepath.Glob(filepath.Join(globEscape(l.dirs.BaseBackups), "*", "backup.info"))
	if err != nil {
		return nil, err
	}
	meta, err := filepath.Glob(filepath.Join(globEscape(l.MetaDir()), "*-backup.info"))
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, p := range append(base, meta...) {
		ids = append(ids, backupIDFromPath(p))
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// globEscape quotes the glob metacharacters of a directory name.
func globEscape(dir string) string {
	var sb strings.Builder
	for _, r := range dir {
		if strings.ContainsRune(`*?[\`, r) {
			sb.WriteByte('\\')
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// ReadXlogDB reads the server's xlog.db; a missing file is an empty one.
func (l *Layout) ReadXlogDB() ([]WALEntry, error) {
	entries, err := ReadXlogDB(l.XlogDBPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return entries, err
}

// AppendXlogDB appends entries to the server's xlog.db.
func (l *Layout) AppendXlogDB(entries ...WALEntry) error {
	return AppendXlogDB(l.XlogDBPath(), entries...)
}

// WriteXlogDB replaces the server's xlog.db with entries.
func (l *Layout) WriteXlogDB(entries []WALEntry) error {
	return WriteXlogDB(l.XlogDBPath(), entries)
}

// WriteXlogDBSeq replaces the server's xlog.db with a sequence of entries.
func (l *Layout) WriteXlogDBSeq(entries iter.Seq[WALEntry]) error {
	return WriteXlogDBSeq(l.XlogDBPath(), entries)
}
