package backups

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
)

// Removing WAL files as delete and retention do: xlog.db rewritten
// without them (the other lines unchanged), then the files and their
// emptied hash directories unlinked; a file already gone is fine.
func TestRemoveWALs(t *testing.T) {
	l := catalog.NewLayout(t.TempDir(), "pg", catalog.Dirs{})
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	// Lines as Barman writes them, read back so that they keep their text.
	text := "000000010000000000000001\t16463\t1795620529.4823954\tgzip\n" +
		"000000010000000000000001.00000028.backup\t199\t1795620529.5326958\tgzip\n" +
		"00000002.history\t52\t1795620544.64768\tgzip\n" +
		"000000020000000000000001\t16489\t1795620545.2378728\tNone\n" +
		"000000010000000000000002\t16549\t1795620549.2418728\tgzip\n"
	os.WriteFile(l.XlogDBPath(), []byte(text), 0o644)
	entries, _ := l.ReadXlogDB()
	for _, e := range entries[:4] { // 000000010000000000000002 is missing on disk
		os.MkdirAll(filepath.Dir(l.WALPath(e.Name)), 0o755)
		os.WriteFile(l.WALPath(e.Name), nil, 0o644)
	}
	idx := NewWALIndex(entries)
	remove := idx.Take(WALRemoval{Remove: true}) // all but the history file
	if want := []catalog.WALEntry{entries[0], entries[1], entries[3], entries[4]}; !slices.Equal(remove, want) {
		t.Fatalf("taken %v", names(remove))
	}
	if err := l.WriteXlogDBSeq(idx.Remaining()); err != nil {
		t.Fatal(err)
	}
	for _, e := range remove {
		if err := RemoveWAL(l, e.Name); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := os.ReadFile(l.XlogDBPath()); string(got) != "00000002.history\t52\t1795620544.64768\tgzip\n" {
		t.Errorf("xlog.db:\n%s", got)
	}
	for _, e := range remove {
		if _, err := os.Stat(l.WALPath(e.Name)); !os.IsNotExist(err) {
			t.Errorf("%s still there: %v", e.Name, err)
		}
	}
	for _, dir := range []string{"0000000100000000", "0000000200000000"} {
		if _, err := os.Stat(filepath.Join(l.WALsDir(), dir)); !os.IsNotExist(err) {
			t.Errorf("empty hash directory %s kept", dir)
		}
	}
	if _, err := os.Stat(l.WALPath("00000002.history")); err != nil {
		t.Errorf("history file: %v", err)
	}
}

func TestRemoveWALKeepsNonEmptyHashDir(t *testing.T) {
	l := catalog.NewLayout(t.TempDir(), "pg", catalog.Dirs{})
	l.EnsureDirs()
	entries := []catalog.WALEntry{wal("000000010000000000000001", 1, 1), wal("000000010000000000000002", 1, 2)}
	for _, e := range entries {
		os.MkdirAll(filepath.Dir(l.WALPath(e.Name)), 0o755)
		os.WriteFile(l.WALPath(e.Name), nil, 0o644)
	}
	if err := RemoveWAL(l, entries[0].Name); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(l.WALPath(entries[0].Name)); !os.IsNotExist(err) {
		t.Errorf("removed file: %v", err)
	}
	if _, err := os.Stat(l.WALPath(entries[1].Name)); err != nil {
		t.Errorf("kept file: %v", err)
	}
}

func TestMoveToTrash(t *testing.T) {
	l := catalog.NewLayout(t.TempDir(), "pg", catalog.Dirs{})
	for _, id := range []string{"20260101T000000", "20260102T000000"} {
		b := catalog.NewBackupInfo(id, "pg", "postgres")
		if err := l.WriteBackupInfo(b); err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(l.BackupPath(id), "data", "base"), 0o700)
		os.WriteFile(filepath.Join(l.BackupPath(id), "data", "base", "1"), []byte("x"), 0o600)
	}
	// What an interrupted deletion left behind.
	os.MkdirAll(filepath.Join(l.BaseBackupsDir(), ".deleting-20251231T000000", "20251231T000000", "data"), 0o700)

	trash, err := MoveToTrash(l, "20260101T000000")
	if err != nil {
		t.Fatal(err)
	}
	// From now on the backup is out of the catalogue, even if we crash.
	list, err := l.ListBackups()
	if err != nil || len(list) != 1 || list[0].ID != "20260102T000000" {
		t.Fatalf("catalogue after the move: %v", err)
	}
	if err := EmptyTrash(l, trash); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(l.BaseBackupsDir())
	if len(ents) != 1 || ents[0].Name() != "20260102T000000" {
		t.Errorf("base/ holds %v", ents)
	}
	if trash, err := MoveToTrash(l, "20990101T000000"); err != nil || trash != "" {
		t.Errorf("missing backup directory: %q, %v", trash, err)
	}
}

// A Barman 3.13+ catalogue keeps backup.info in meta/: it goes first.
func TestMoveToTrashMeta(t *testing.T) {
	l := catalog.NewLayout(t.TempDir(), "pg", catalog.Dirs{})
	id := "20260101T000000"
	os.MkdirAll(l.MetaDir(), 0o755)
	os.WriteFile(filepath.Join(l.MetaDir(), id+"-backup.info"), catalog.NewBackupInfo(id, "pg", "postgres").Marshal(), 0o644)
	os.MkdirAll(filepath.Join(l.BackupPath(id), "data"), 0o755)
	trash, err := MoveToTrash(l, id)
	if err != nil {
		t.Fatal(err)
	}
	if list, _ := l.ListBackups(); len(list) != 0 {
		t.Errorf("still listed")
	}
	EmptyTrash(l, trash)
	if _, err := os.Stat(l.BackupPath(id)); !os.IsNotExist(err) {
		t.Errorf("backup directory: %v", err)
	}
}
