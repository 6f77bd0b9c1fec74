package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLayoutDefaultsAndOverrides(t *testing.T) {
	l := NewLayout("/h", "pg", Dirs{})
	want := Dirs{Backup: "/h/pg", BaseBackups: "/h/pg/base", WALs: "/h/pg/wals", Incoming: "/h/pg/incoming",
		Streaming: "/h/pg/streaming", Errors: "/h/pg/errors", XlogDB: "/h/pg/wals"}
	if l.Dirs() != want {
		t.Errorf("defaults %+v", l.Dirs())
	}
	o := NewLayout("/h", "pg", Dirs{Backup: "/b", WALs: "/w", Errors: "/e"})
	if o.BaseBackupsDir() != "/b/base" || o.WALsDir() != "/w" || o.ErrorsDir() != "/e" || o.Dirs().XlogDB != "/w" || o.IncomingDir() != "/b/incoming" {
		t.Errorf("overrides %+v", o.Dirs())
	}
	if p := o.WALPath("000000010000000000000006.00000028.backup"); p != "/w/0000000100000000/000000010000000000000006.00000028.backup" {
		t.Errorf("WALPath = %s", p)
	}
	if p := o.WALPath("00000002.history"); p != "/w/00000002.history" {
		t.Errorf("WALPath(history) = %s", p)
	}
	if p := l.BackupInfoPath("20260101T000000"); p != "/h/pg/base/20260101T000000/backup.info" {
		t.Errorf("BackupInfoPath = %s", p)
	}
}

func TestLayoutXlogDBPath(t *testing.T) {
	home := t.TempDir()
	l := NewLayout(home, "pg", Dirs{XlogDB: filepath.Join(home, "xdb")})
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	legacy := filepath.Join(home, "pg", "wals", "xlog.db")
	named := filepath.Join(home, "xdb", "pg-xlog.db")
	if l.XlogDBPath() != legacy {
		t.Errorf("no file: %s", l.XlogDBPath())
	}
	if entries, err := l.ReadXlogDB(); err != nil || entries != nil {
		t.Errorf("missing xlog.db: %v, %v", entries, err)
	}
	os.WriteFile(named, []byte("a\t1\t1.0\tNone\tNone\n"), 0o644)
	if entries, err := l.ReadXlogDB(); err != nil || len(entries) != 1 || l.XlogDBPath() != named {
		t.Errorf("3.13 name: %v, %v, %s", entries, err, l.XlogDBPath())
	}
	if err := l.AppendXlogDB(WALEntry{Name: "b", Size: 2, Time: 2}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(legacy, nil, 0o644)
	if l.XlogDBPath() != legacy {
		t.Errorf("both: %s", l.XlogDBPath())
	}
	if err := l.WriteXlogDB([]WALEntry{{Name: "c", Size: 3, Time: 3}}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(legacy); string(data) != "c\t3\t3.0\tNone\n" {
		t.Errorf("legacy content %q", data)
	}
}

func TestLayoutBackupInfoFiles(t *testing.T) {
	home := t.TempDir()
	l := NewLayout(home, "pg", Dirs{})
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"20260102T000000", "20260101T000000"} {
		if err := l.WriteBackupInfo(NewBackupInfo(id, "pg", "postgres")); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(l.BackupPath("20260103T000000"), 0o755) // no backup.info: skipped
	meta := NewBackupInfo("20260104T000000", "pg", "postgres")
	os.MkdirAll(l.MetaDir(), 0o755)
	os.WriteFile(filepath.Join(l.MetaDir(), meta.ID+"-backup.info"), meta.Marshal(), 0o644)
	stale := NewBackupInfo("20260101T000000", "pg", "rsync")
	os.WriteFile(filepath.Join(l.MetaDir(), stale.ID+"-backup.info"), stale.Marshal(), 0o644)
	bs, err := l.ListBackups()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, b := range bs {
		ids = append(ids, b.ID+":"+b.Mode())
	}
	if got := strings.Join(ids, " "); got != "20260101T000000:rsync 20260102T000000:postgres 20260104T000000:postgres" {
		t.Errorf("ListBackups = %s", got)
	}
	if err := l.WriteBackupInfo(&BackupInfo{ID: "../x"}); err == nil {
		t.Error("WriteBackupInfo accepted ID ../x")
	}
	os.WriteFile(l.BackupInfoPath("20260102T000000"), []byte("size=x\n"), 0o644)
	if _, err := l.ListBackups(); err == nil || !strings.Contains(err.Error(), "20260102T000000/backup.info:1: invalid size") {
		t.Errorf("broken backup.info: %v", err)
	}
}

func TestLayoutIdentity(t *testing.T) {
	l := NewLayout(t.TempDir(), "pg", Dirs{})
	if _, err := l.ReadIdentity(); err == nil {
		t.Error("missing identity.json read")
	}
	l.EnsureDirs()
	id := Identity{SystemID: "7712131381569798051", Version: "15"}
	if err := l.WriteIdentity(id); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(l.IdentityPath())
	if string(data) != "{\n    \"systemid\": \"7712131381569798051\",\n    \"version\": \"15\"\n}\n" {
		t.Errorf("identity.json = %q", data)
	}
	if got, err := l.ReadIdentity(); err != nil || got != id {
		t.Errorf("ReadIdentity = %+v, %v", got, err)
	}
	os.WriteFile(l.IdentityPath(), []byte("{"), 0o644)
	if _, err := l.ReadIdentity(); err == nil || !strings.Contains(err.Error(), "identity.json") {
		t.Errorf("bad identity.json: %v", err)
	}
}
