package recoverjob

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/restore"
	"github.com/gobarman/barman/pkg/stream"
)

const testID = "20261125T120000"

// writeBackup writes a backup with a tablespace through basebackup.Sink
// (the code that writes real backups), files[path] = content, and returns
// its directory and manifest records.
func writeBackup(t *testing.T, files map[string]string) (string, []*stream.BackupFile) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "base", testID)
	return dir, writeBackupIn(t, dir, files)
}

// writeBackupIn writes the backup into dir, base/<testID>, with its
// manifest.jsonl, and returns its records.
func writeBackupIn(t *testing.T, dir string, files map[string]string) []*stream.BackupFile {
	t.Helper()
	var manifest bytes.Buffer
	sink := &basebackup.Sink{Dir: dir, Server: "main", BackupID: testID, Records: stream.NewWriter(&manifest)}
	for _, d := range []basebackup.Entry{{Path: ""}, {Path: "pg_tblspc"}, {Path: "", TablespaceOID: 16384, Tablespace: "tbs1"}} {
		d.Mode = os.ModeDir | 0o700
		if err := sink.Mkdir(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Symlink(basebackup.Entry{Path: "pg_tblspc/16384", Mode: os.ModeSymlink | 0o777, Link: "/srv/orig/tbs1"}); err != nil {
		t.Fatal(err)
	}
	for p, content := range files {
		e := basebackup.Entry{Path: strings.TrimPrefix(p, "data/"), Mode: 0o600, Size: int64(len(content)), MTime: time.Now()}
		if rest, ok := strings.CutPrefix(p, "16384/"); ok {
			e.Path, e.TablespaceOID, e.Tablespace = rest, 16384, "tbs1"
		}
		if err := sink.File(e, strings.NewReader(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, restore.ManifestName), manifest.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	recs, err := restore.ReadRecords(&manifest, "manifest")
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCopyStep: the copy writes the tablespace where the mapping says,
// with its link and tablespace_map pointing there; PostgreSQL's
// backup_manifest becomes backup_manifest.<ID>; a tablespace with its own
// limit is named.
func TestCopyStep(t *testing.T) {
	for _, tc := range []struct {
		name     string
		manifest bool
	}{{"with backup_manifest", true}, {"without backup_manifest", false}} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"data/PG_VERSION": "15\n", "data/tablespace_map": "16384 /srv/orig/tbs1\n", "16384/PG_15/1": "in tbs1"}
			if tc.manifest {
				files["data/backup_manifest"] = `{"PostgreSQL-Backup-Manifest-Version": 1}`
			}
			dir, recs := writeBackup(t, files)
			dest, tbs := filepath.Join(t.TempDir(), "pgdata"), filepath.Join(t.TempDir(), "tbs1")
			var rec report.Recorder
			step := CopyStep{Source: dir, BackupID: testID, Records: recs, Jobs: 2, Limits: map[string]int64{"tbs1": 1 << 20},
				Mapping: restore.Mapping{Dest: dest, Tablespaces: map[uint32]string{16384: tbs}}}
			st, err := step.Run(context.Background(), &rec)
			if err != nil {
				t.Fatal(err)
			}
			if st.Files != len(files) {
				t.Errorf("copied %d files, want %d", st.Files, len(files))
			}
			if got := readFile(t, filepath.Join(dest, "tablespace_map")); got != "16384 "+tbs+"\n" {
				t.Errorf("tablespace_map %q, want it pointing at %s", got, tbs)
			}
			if link, err := os.Readlink(filepath.Join(dest, "pg_tblspc", "16384")); err != nil || link != tbs {
				t.Errorf("pg_tblspc/16384 -> %q (%v), want %s", link, err, tbs)
			}
			if got := readFile(t, filepath.Join(tbs, "PG_15", "1")); got != "in tbs1" {
				t.Errorf("tablespace file %q", got)
			}
			if _, err := os.Lstat(filepath.Join(dest, "backup_manifest")); err == nil {
				t.Error("backup_manifest is still there: it describes the backup, not the recovered cluster")
			}
			if tc.manifest {
				if got := readFile(t, filepath.Join(dest, "backup_manifest."+testID)); got != files["data/backup_manifest"] {
					t.Errorf("backup_manifest.%s = %q", testID, got)
				}
			}
			want := report.Message{Level: "info", Text: "Tablespace tbs1: bandwidth limit 1048576 KiB/s (tablespace_bandwidth_limit)"}
			if len(rec.Messages) != 1 || rec.Messages[0] != want {
				t.Errorf("messages %v, want %v", rec.Messages, want)
			}
		})
	}
}

// TestBackupRecords: a backup with a manifest gives its records; one
// without (taken by Barman) gives its files, those of a tablespace named.
func TestBackupRecords(t *testing.T) {
	dir, want := writeBackup(t, map[string]string{"data/PG_VERSION": "15\n", "16384/PG_15/1": "in tbs1"})
	tablespaces := []catalog.Tablespace{{Name: "tbs1", OID: 16384, Location: "/srv/orig/tbs1"}}
	recs, verified, err := BackupRecords(dir, tablespaces)
	if err != nil || !verified || len(recs) != len(want) {
		t.Fatalf("with a manifest: %d records, verified %v, %v; want the %d of the manifest", len(recs), verified, err, len(want))
	}
	if err := os.Remove(filepath.Join(dir, restore.ManifestName)); err != nil {
		t.Fatal(err)
	}
	recs, verified, err = BackupRecords(dir, tablespaces)
	if err != nil || verified {
		t.Fatalf("without a manifest: verified %v, %v", verified, err)
	}
	named := map[string]bool{}
	for _, r := range recs {
		if r.Tablespace == "tbs1" && r.TablespaceOID == 16384 {
			named[r.Path] = true
		}
	}
	for _, p := range []string{"16384", "16384/PG_15", "16384/PG_15/1"} {
		if !named[p] {
			t.Errorf("%s is not named tbs1 in %v", p, recs)
		}
	}
	if named["data/PG_VERSION"] || len(named) != 3 {
		t.Errorf("named: %v", named)
	}
}
