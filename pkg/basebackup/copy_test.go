package basebackup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/walname"
)

// checkManifest checks every backup_file record against the file on disk.
func checkManifest(t *testing.T, dir string, records []byte) map[string]*stream.BackupFile {
	t.Helper()
	r := stream.NewReader(bytes.NewReader(records), "manifest")
	files := map[string]*stream.BackupFile{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		f, ok := rec.(*stream.BackupFile)
		if !ok {
			continue
		}
		files[f.Path] = f
		if f.Kind != stream.FileRegular {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, f.Path))
		if err != nil {
			t.Errorf("%s: %v", f.Path, err)
			continue
		}
		sum := sha256.Sum256(data)
		if got := "sha256:" + hex.EncodeToString(sum[:]); got != f.Checksum || int64(len(data)) != f.Size {
			t.Errorf("%s: checksum or size differs from its record", f.Path)
		}
	}
	return files
}

// TestCopyBackupOverSSH backs up a real server with a tablespace through
// the test sshd while pgbench runs, then starts the copy with the
// archived WAL and finds the data.
func TestCopyBackupOverSSH(t *testing.T) {
	walDir := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, walDir)
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + walDir + "/%f"})
	tbs := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, tbs)
	pg.SQL(t, "CREATE TABLESPACE tbs1 LOCATION '"+tbs+"'")
	pg.SQL(t, "CREATE TABLE in_tbs TABLESPACE tbs1 AS SELECT generate_series(1, 5000) AS x")
	pg.Pgbench(t, "-i", "-s", "2", "-q")
	pg.SQL(t, "VACUUM FREEZE in_tbs")
	pg.SQL(t, "CHECKPOINT")
	sshd := pgtest.StartSSHD(t)
	ssh, err := sshcmd.Parse(sshd.ToPostgres(pg))
	if err != nil {
		t.Fatal(err)
	}
	bench := pg.Command(pgtest.Bin("pgbench"), "-T", "5", "-c", "2", "-n")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	defer bench.Wait()

	dir := filepath.Join(pgtest.TempDir(t), "20261125T120000")
	var records bytes.Buffer
	sink := &Sink{Dir: dir, Server: "main", BackupID: "20261125T120000", Records: stream.NewWriter(&records)}
	started := false
	res, err := CopyBackup(context.Background(), CopyOptions{Conninfo: pg.ConnInfo(), Remote: &Remote{SSH: ssh},
		Label: "barman test", Fast: true, Jobs: 2, OnStart: func(Meta, Point) error { started = true; return nil }}, sink)
	if err != nil {
		t.Fatal(err)
	}
	if !started || res.Start.LSN > res.End.LSN || res.Start.Timeline != 1 || len(res.Meta.Tablespaces) != 1 {
		t.Fatalf("result %+v", res)
	}
	if !strings.HasPrefix(res.BackupLabel, "START WAL LOCATION:") || !strings.Contains(res.TablespaceMap, tbs) {
		t.Errorf("label %q map %q", res.BackupLabel, res.TablespaceMap)
	}
	files := checkManifest(t, dir, records.Bytes())
	oid := res.Meta.Tablespaces[0].OID
	for _, p := range []string{"data/PG_VERSION", "data/global/pg_control", "data/backup_label", "data/tablespace_map", "data/pg_wal"} {
		if files[p] == nil {
			t.Errorf("%s not in the manifest", p)
		}
	}
	for _, p := range []string{"data/postmaster.pid", "data/pg_wal/000000010000000000000001"} {
		if files[p] != nil {
			t.Errorf("%s copied", p)
		}
	}
	if n := countPrefix(files, filepath.Join(itoa(oid), res.Meta.VersionDir())); n == 0 {
		t.Errorf("no tablespace file copied")
	}
	// Files that did not change during the backup (the frozen table in the
	// tablespace, PG_VERSION) match the source byte for byte.
	same := 0
	for p, f := range files {
		var src string
		switch {
		case p == "data/PG_VERSION":
			src = filepath.Join(pg.DataDir, "PG_VERSION")
		case strings.HasPrefix(p, itoa(oid)+"/") && f.Kind == stream.FileRegular:
			src = filepath.Join(tbs, strings.TrimPrefix(p, itoa(oid)+"/"))
		default:
			continue
		}
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if "sha256:"+hex.EncodeToString(sum[:]) != f.Checksum {
			t.Errorf("%s differs from its source %s", p, src)
		}
		same++
	}
	if same < 2 {
		t.Errorf("compared only %d files with their source", same)
	}
	bench.Wait()
	pg.SQL(t, "SELECT pg_switch_wal()")

	// Start the copy: tablespace_map must point at the copied tablespace.
	spcmap := filepath.Join(dir, "data", "tablespace_map")
	os.WriteFile(spcmap, []byte(itoa(oid)+" "+filepath.Join(dir, itoa(oid))+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "data", "recovery.signal"), nil, 0o600)
	pgtest.ChownToOSUser(t, dir)
	waitFile(t, walDir, res.End)
	restored := pgtest.StartExisting(t, filepath.Join(dir, "data"), pgtest.Options{ArchiveMode: "off",
		Settings: map[string]string{"restore_command": "cp " + walDir + "/%f %p", "recovery_target": "immediate", "recovery_target_action": "promote"}})
	if got := restored.SQL(t, "SELECT count(*) FROM in_tbs"); got != "5000" {
		t.Errorf("rows in the tablespace table: %s", got)
	}
	if got := restored.SQL(t, "SELECT count(*) FROM pgbench_accounts"); got != "200000" {
		t.Errorf("pgbench_accounts: %s", got)
	}
}

func itoa(n uint32) string { return strconv.FormatUint(uint64(n), 10) }

// waitFile waits until the segment holding the backup's end is archived.
func waitFile(t *testing.T, dir string, end Point) {
	t.Helper()
	seg, _, err := walname.SegmentOf(end.Timeline, end.LSN, walname.DefaultSegmentSize)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 300; i++ {
		if _, err := os.Stat(filepath.Join(dir, seg.String())); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not archived", seg)
}

func countPrefix(m map[string]*stream.BackupFile, prefix string) int {
	n := 0
	for p := range m {
		if strings.HasPrefix(p, prefix+"/") {
			n++
		}
	}
	return n
}
