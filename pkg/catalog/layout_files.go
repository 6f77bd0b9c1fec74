package catalog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"os"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/storage"
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

// backupInfoAt says where the backup.info of backup id is, as
// FindBackupInfo does: in MetaStore when it is there, else in BaseStore.
func (l *Layout) backupInfoAt(ctx context.Context, id string) (storage.Storage, string) {
	meta := l.MetaStore()
	if _, err := meta.Stat(ctx, metaInfoName(id)); err == nil {
		return meta, metaInfoName(id)
	}
	return l.BaseStore(), backupInfoName(id)
}

// shownPath is how messages name the blob name of st: its file, when st
// keeps it on local disk.
func shownPath(st storage.Storage, name string) string {
	if lp, ok := st.(storage.LocalPather); ok {
		if p, err := lp.LocalPath(name); err == nil {
			return p
		}
	}
	return name
}

// ReadBackupInfo reads the backup.info of backup id.
func (l *Layout) ReadBackupInfo(id string) (*BackupInfo, error) {
	ctx := context.Background()
	st, name := l.backupInfoAt(ctx, id)
	r, err := st.Open(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("read backup info: %w", err)
	}
	defer r.Close()
	b, err := ParseBackupInfo(r, shownPath(st, name))
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
	ctx := context.Background()
	st, name := l.backupInfoAt(ctx, b.ID)
	return storage.Save(ctx, st, name, bytes.NewReader(b.Marshal()), storage.CreateOptions{})
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

// backupIDs lists the IDs that have a backup.info, sorted: the
// directories of BaseStore that hold one, and the <ID>-backup.info of
// MetaStore. Only one level of each is listed, never the backups' files.
func (l *Layout) backupIDs() ([]string, error) {
	ctx := context.Background()
	base := l.BaseStore()
	var ids []string
	err := base.List(ctx, "", storage.ListOptions{Delimiter: "/"}, func(in storage.Info) error {
		id, ok := strings.CutSuffix(in.Name, "/")
		if _, err := base.Stat(ctx, backupInfoName(id)); ok && err == nil {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the backups of server %s: %w", l.Server, err)
	}
	err = l.MetaStore().List(ctx, "", storage.ListOptions{Delimiter: "/"}, func(in storage.Info) error {
		if id, ok := strings.CutSuffix(in.Name, "-backup.info"); ok && !in.Dir && id != "" {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the backups of server %s: %w", l.Server, err)
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
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
