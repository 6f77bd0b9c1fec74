package catalog

import (
	"bytes"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// TestBarman34ReadsOurCatalogue writes a catalogue with this package only
// (fresh BackupInfos filled through the setters, xlog.db and identity.json
// through the writers) and asks Debian's Barman 3.4 to list and show it:
// the output must be what Barman printed for the catalogue it wrote itself.
func TestBarman34ReadsOurCatalogue(t *testing.T) {
	pgtest.Require(t, "Debian's barman 3.4", "/usr/bin/barman")
	home := filepath.Join(t.TempDir(), "home")
	src := NewLayout(sampleHome, "pg", Dirs{})
	dst := NewLayout(home, "pg", Dirs{})
	if err := dst.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	backups, err := src.ListBackups()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range backups {
		b := NewBackupInfo(s.ID, s.ServerName(), s.Mode())
		copyTyped(b, s)
		if err := dst.WriteBackupInfo(b); err != nil {
			t.Fatal(err)
		}
	}
	wals, err := src.ReadXlogDB()
	if err != nil {
		t.Fatal(err)
	}
	var fresh []WALEntry
	for _, w := range wals {
		fresh = append(fresh, WALEntry{Name: w.Name, Size: w.Size, Time: w.Time, Compression: w.Compression})
	}
	if err := dst.WriteXlogDB(fresh); err != nil {
		t.Fatal(err)
	}
	id, _ := src.ReadIdentity()
	if err := dst.WriteIdentity(Identity{SystemID: id.SystemID, Version: id.Version}); err != nil {
		t.Fatal(err)
	}
	u, _ := user.Current()
	conf := filepath.Join(t.TempDir(), "barman.conf")
	text := "[barman]\nbarman_home = " + home + "\nbarman_user = " + u.Username +
		"\nlog_file = " + filepath.Join(t.TempDir(), "barman.log") +
		"\n[pg]\nconninfo = host=127.0.0.1 port=1\nbackup_method = postgres\narchiver = on\n"
	os.WriteFile(conf, []byte(text), 0o644)

	barman := func(args ...string) []byte {
		cmd := exec.Command("/usr/bin/barman", append([]string{"-c", conf}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("barman %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	expect := func(got []byte, file string) {
		t.Helper()
		want, err := os.ReadFile(filepath.Join(sampleHome, "outputs", file))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(want)) {
			t.Errorf("Barman 3.4 reads our catalogue differently (%s):\n%s\nwant:\n%s", file, got, want)
		}
	}
	expect(barman("list-backup", "pg"), "list-backup.txt")
	for _, s := range backups {
		expect(barman("show-backup", "pg", s.ID), "show-backup-"+s.ID+".txt")
	}
}
