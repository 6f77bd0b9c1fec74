package catalog

import (
	"path"

	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/walname"
)

// Stores are the storages a server's catalogue goes through. A nil one is
// a storage.Local on the layout's directory: basebackups_directory for
// Base (names <ID>/backup.info), meta/ for Meta (<ID>-backup.info),
// wals_directory for WALs (WALName). Object storage will set them all.
type Stores struct {
	Base, Meta, WALs storage.Storage
}

// UseStores makes the catalogue go through s, and returns l.
func (l *Layout) UseStores(s Stores) *Layout {
	l.stores = s
	return l
}

// Modes of what the catalogue creates, as Barman creates them.
const (
	catalogFileMode = 0o644
	catalogDirMode  = 0o755
)

// BaseStore returns the storage of the backup directories.
func (l *Layout) BaseStore() storage.Storage {
	if l.stores.Base != nil {
		return l.stores.Base
	}
	return &storage.Local{Root: l.dirs.BaseBackups, Perm: catalogFileMode, DirPerm: catalogDirMode}
}

// MetaStore returns the storage of meta/ (Barman 3.13.2+).
func (l *Layout) MetaStore() storage.Storage {
	if l.stores.Meta != nil {
		return l.stores.Meta
	}
	return &storage.Local{Root: l.MetaDir(), Perm: catalogFileMode, DirPerm: catalogDirMode}
}

// WALStore returns the storage of the archived WAL files (wals/), whose
// names WALName gives. Files are created private to barman, as
// barman-wal-compress creates them.
func (l *Layout) WALStore() storage.Storage {
	if l.stores.WALs != nil {
		return l.stores.WALs
	}
	return &storage.Local{Root: l.dirs.WALs, Perm: 0o600, DirPerm: 0o700}
}

// WALName returns the name of the archived WAL file name in WALStore:
// <hash directory>/<name>, or <name> for a .history file. WALPath is
// where the default store keeps it.
func WALName(name string) string {
	return path.Join(walname.HashDir(name), name)
}

// backupInfoName returns the name of backup id's backup.info in BaseStore.
func backupInfoName(id string) string { return id + "/backup.info" }

// metaInfoName returns the name of backup id's backup.info in MetaStore.
func metaInfoName(id string) string { return id + "-backup.info" }
