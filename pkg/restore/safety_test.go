package restore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/stream"
)

// hostileBackup is a backup directory holding data/x/foo and data/y, and
// outside, a directory nothing may be written into.
func hostileBackup(t *testing.T) (backupDir, outside string) {
	t.Helper()
	root := t.TempDir()
	backupDir, outside = filepath.Join(root, "backup"), filepath.Join(root, "outside")
	for _, d := range []string{filepath.Join(backupDir, "data/x"), outside} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"data/x/foo", "data/y"} {
		if err := os.WriteFile(filepath.Join(backupDir, p), []byte("owned\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return backupDir, outside
}

func file(p string) *stream.BackupFile {
	return &stream.BackupFile{Path: p, Kind: stream.FileRegular, Size: 6, Mode: 0o600}
}

func link(p, target string) *stream.BackupFile {
	return &stream.BackupFile{Path: p, Kind: stream.FileSymlink, Link: target, Mode: 0o777}
}

func dir(p string) *stream.BackupFile {
	return &stream.BackupFile{Path: p, Kind: stream.FileDir, Mode: 0o700}
}

// TestHostileManifest: records that would write through a link of the
// same backup are refused before anything is written, locally and
// remotely, whatever the order of the records and the kind of the link.
func TestHostileManifest(t *testing.T) {
	backupDir, outside := hostileBackup(t)
	for _, tc := range []struct {
		name string
		recs []*stream.BackupFile
	}{
		{"absolute link then file", []*stream.BackupFile{link("data/x", outside), file("data/x/foo")}},
		{"file then link", []*stream.BackupFile{file("data/x/foo"), link("data/x", outside)}},
		{"relative link out", []*stream.BackupFile{link("data/x", "../../outside"), file("data/x/foo")}},
		{"link inside", []*stream.BackupFile{link("data/x", "."), file("data/x/foo")}},
		{"directory beneath", []*stream.BackupFile{link("data/x", outside), dir("data/x/sub")}},
		{"link beneath", []*stream.BackupFile{link("data/x", outside), link("data/x/l", "/")}},
		{"deeper", []*stream.BackupFile{link("data/x", outside), file("data/x/a/b/foo")}},
		{"tablespace link", []*stream.BackupFile{link("data/pg_tblspc/16384", outside), file("data/pg_tblspc/16384/foo")}},
		{"dotdot", []*stream.BackupFile{file("data/../outside/foo")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ssh, _ := sshcmd.Parse("sh -c") // a remote "host" that is this one
			for name, run := range map[string]func(Mapping) error{
				"local": func(m Mapping) error {
					_, err := Local(context.Background(), backupDir, tc.recs, m, Options{Jobs: 2})
					return err
				},
				"remote": func(m Mapping) error {
					_, err := Remote(context.Background(), ssh, backupDir, tc.recs, m, Options{Jobs: 2})
					return err
				},
			} {
				m := Mapping{Dest: filepath.Join(t.TempDir(), "dest")}
				err := run(m)
				var ue *UnsafePathError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), backupDir) {
					t.Fatalf("%s: error %v, want an UnsafePathError naming the backup", name, err)
				}
				if entries, _ := os.ReadDir(outside); len(entries) > 0 {
					t.Fatalf("%s: %d entries written outside the destination", name, len(entries))
				}
				if _, err := os.Lstat(m.Dest); err == nil {
					t.Errorf("%s: the destination was created before the manifest was checked", name)
				}
			}
		})
	}
	ue := (&UnsafePathError{Backup: "b", Path: "data/x/foo", Link: "data/x", Target: "/etc"}).Error()
	if !strings.Contains(ue, `data/x/foo lies beneath data/x, a symbolic link to "/etc"`) {
		t.Errorf("message %q", ue)
	}
}

// TestPlantedLink: a link already in the destination (a delta restore
// over a directory someone tampered with, or a manifest that does not
// list the directory) is never written through: every open is beneath
// the destination.
func TestPlantedLink(t *testing.T) {
	backupDir, outside := hostileBackup(t)
	for _, delta := range []bool{false, true} {
		m := Mapping{Dest: filepath.Join(t.TempDir(), "dest")}
		if err := os.MkdirAll(m.Dest, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(outside, filepath.Join(m.Dest, "x")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(outside, "y"), filepath.Join(m.Dest, "y")); err != nil {
			t.Fatal(err)
		}
		// A link in a file's place is replaced by the file.
		if _, err := Local(context.Background(), backupDir, []*stream.BackupFile{file("data/y")}, m, Options{Delta: delta}); err != nil {
			t.Errorf("delta %v: data/y: %v", delta, err)
		}
		if fi, err := os.Lstat(filepath.Join(m.Dest, "y")); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("delta %v: data/y is not a regular file in the destination: %v", delta, err)
		}
		// A link in a parent's place is refused (the delta restore above
		// pruned it: plant it again).
		os.Symlink(outside, filepath.Join(m.Dest, "x"))
		_, err := Local(context.Background(), backupDir, []*stream.BackupFile{file("data/x/foo")}, m, Options{Delta: delta})
		if err == nil {
			t.Errorf("delta %v: data/x/foo restored through the planted link", delta)
		}
		if entries, _ := os.ReadDir(outside); len(entries) > 0 {
			t.Fatalf("delta %v: written outside the destination (error %v)", delta, err)
		}
	}
}

// TestWALLinkRestoredAsDirectory: a pg_wal recorded as a link (WAL on its
// own disk) is restored as an empty directory, never as a link to the
// source server's WAL.
func TestWALLinkRestoredAsDirectory(t *testing.T) {
	backupDir, _ := hostileBackup(t)
	srcWAL := t.TempDir()
	recs := []*stream.BackupFile{dir("data"), link("data/pg_wal", srcWAL), file("data/y")}
	ssh, _ := sshcmd.Parse("sh -c")
	for name, run := range map[string]func(Mapping) error{
		"local": func(m Mapping) error {
			_, err := Local(context.Background(), backupDir, recs, m, Options{})
			return err
		},
		"remote": func(m Mapping) error {
			_, err := Remote(context.Background(), ssh, backupDir, recs, m, Options{})
			return err
		},
	} {
		m := Mapping{Dest: filepath.Join(t.TempDir(), "dest")}
		if err := run(m); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fi, err := os.Lstat(filepath.Join(m.Dest, "pg_wal"))
		if err != nil || !fi.IsDir() {
			t.Errorf("%s: pg_wal is %v (%v), want a directory", name, fi.Mode(), err)
		}
	}
	if recs[1].Kind != stream.FileSymlink {
		t.Error("the caller's record was changed")
	}
}
