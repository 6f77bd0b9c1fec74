package catalog

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/storagetest"
)

// The catalogue of backups goes through its stores: with in-memory ones,
// nothing touches the disk and everything is found there.
func TestBackupInfoThroughStores(t *testing.T) {
	home := t.TempDir()
	base, meta := &storage.Memory{}, &storage.Memory{}
	l := NewLayout(home, "pg", Dirs{}).UseStores(Stores{Base: base, Meta: meta})
	for _, id := range []string{"20260102T000000", "20260101T000000"} {
		if err := l.WriteBackupInfo(NewBackupInfo(id, "pg", "rsync")); err != nil {
			t.Fatal(err)
		}
	}
	storagetest.Save(t, base, "20260103T000000/data.tar", "no backup.info: not a backup")
	storagetest.Save(t, meta, "20260104T000000-backup.info", string(NewBackupInfo("x", "pg", "meta").Marshal()))
	if got := storagetest.Names(t, base, "", storage.ListOptions{}); !slices.Equal(got, []string{
		"20260101T000000/backup.info", "20260102T000000/backup.info", "20260103T000000/data.tar"}) {
		t.Errorf("base store holds %q", got)
	}
	bs, err := l.ListBackups()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.ID+":"+b.String(KeyMode))
	}
	if want := "20260101T000000:rsync,20260102T000000:rsync,20260104T000000:meta"; strings.Join(ids, ",") != want {
		t.Errorf("backups %s, want %s", strings.Join(ids, ","), want)
	}
	if _, err := os.Stat(filepath.Join(home, "pg")); !os.IsNotExist(err) {
		t.Errorf("the disk was written: %v", err)
	}
}

// A backup.info in meta/ is the one read and written (Barman 3.13.2+),
// through MetaStore.
func TestBackupInfoMetaStoreWins(t *testing.T) {
	base, meta := &storage.Memory{}, &storage.Memory{}
	l := NewLayout(t.TempDir(), "pg", Dirs{}).UseStores(Stores{Base: base, Meta: meta})
	storagetest.Save(t, base, "20260101T000000/backup.info", string(NewBackupInfo("20260101T000000", "pg", "stale").Marshal()))
	storagetest.Save(t, meta, "20260101T000000-backup.info", string(NewBackupInfo("20260101T000000", "pg", "meta").Marshal()))
	b, err := l.ReadBackupInfo("20260101T000000")
	if err != nil || b.String(KeyMode) != "meta" {
		t.Fatalf("read %v, %v", b, err)
	}
	b.SetString(KeyMode, "changed")
	if err := l.WriteBackupInfo(b); err != nil {
		t.Fatal(err)
	}
	if got := storagetest.Read(t, meta, "20260101T000000-backup.info"); !strings.Contains(got, "mode=changed") {
		t.Errorf("meta copy not written: %s", got)
	}
	if got := storagetest.Read(t, base, "20260101T000000/backup.info"); !strings.Contains(got, "mode=stale") {
		t.Errorf("base copy written: %s", got)
	}
	if _, err := l.ReadBackupInfo("20260109T000000"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing backup: %v", err)
	}
}

// By default the stores are local directories of the layout, and what
// they write is where Barman 3.4 reads it, with its modes.
func TestDefaultStoresAreTheLayout(t *testing.T) {
	home := t.TempDir()
	l := NewLayout(home, "pg", Dirs{})
	if err := l.WriteBackupInfo(NewBackupInfo("20260101T000000", "pg", "rsync")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(l.BackupInfoPath("20260101T000000"))
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("backup.info: %v %v", st, err)
	}
	if st, err := os.Stat(l.BackupPath("20260101T000000")); err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("backup directory: %v %v", st, err)
	}
	w := l.WALStore()
	name := WALName("000000010000000000000002")
	if err := storage.Save(context.Background(), w, name, strings.NewReader("wal"), storage.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(l.WALPath("000000010000000000000002")); err != nil || string(data) != "wal" {
		t.Errorf("WALStore/WALName is not WALPath: %q %v", data, err)
	}
	if WALName("00000002.history") != "00000002.history" {
		t.Errorf("WALName(history) = %s", WALName("00000002.history"))
	}
}
