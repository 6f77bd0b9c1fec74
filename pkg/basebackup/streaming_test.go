package basebackup

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/stream"
)

// TestStreamBackup backs up a real server with a tablespace over the
// replication protocol and checks the copy with pg_verifybackup.
func TestStreamBackup(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	pg.Pgbench(t, "-i", "-s", "1", "-q")
	tbs := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, tbs)
	pg.SQL(t, "CREATE TABLESPACE tbs1 LOCATION '"+tbs+"'")
	pg.SQL(t, "CREATE TABLE in_tbs TABLESPACE tbs1 AS SELECT generate_series(1, 5000) AS x")
	oid := pg.SQL(t, "SELECT oid FROM pg_tablespace WHERE spcname = 'tbs1'")

	var records bytes.Buffer
	sink := &Sink{Dir: t.TempDir(), Records: stream.NewWriter(&records)}
	var done, total int64
	opt := StreamOptions{Label: "barman 'test'", Fast: true, Manifest: true,
		Progress: func(d, tot int64) { done, total = d, tot }}
	res, err := StreamBackup(context.Background(), pg.ConnInfo(), opt, sink)
	if err != nil {
		t.Fatal(err)
	}
	checkStreamResult(t, sink.Dir, oid, tbs, res)
	files := checkManifest(t, sink.Dir, records.Bytes())
	for _, p := range []string{"data/PG_VERSION", "data/global/pg_control", "data/backup_label",
		"data/tablespace_map", "data/backup_manifest"} {
		if files[p] == nil || files[p].Kind != stream.FileRegular {
			t.Errorf("no file record for %s", p)
		}
	}
	if f := files[oid]; f != nil && f.Tablespace != "tbs1" {
		t.Errorf("tablespace record %+v", f)
	}
	t.Logf("progress: done=%d total=%d; files=%d bytes=%d", done, total, res.Files, res.Bytes)
	if done <= 0 || total <= 0 {
		t.Errorf("progress: done=%d total=%d", done, total)
	}
	verifyBackup(t, sink.Dir, oid)
}

func checkStreamResult(t *testing.T, dir, oid, tbs string, res *StreamResult) {
	t.Helper()
	if res.StartLSN == 0 || res.StartLSN > res.EndLSN || res.Timeline != 1 {
		t.Errorf("start %s end %s timeline %d", res.StartLSN, res.EndLSN, res.Timeline)
	}
	label, _ := os.ReadFile(filepath.Join(dir, "data", "backup_label"))
	if !strings.HasPrefix(res.BackupLabel, "START WAL LOCATION") || string(label) != res.BackupLabel ||
		!strings.Contains(res.BackupLabel, "LABEL: barman 'test'") {
		t.Errorf("backup_label %q, on disk %q", res.BackupLabel, label)
	}
	if res.TablespaceMap != oid+" "+tbs+"\n" {
		t.Errorf("tablespace_map %q", res.TablespaceMap)
	}
	if len(res.Tablespaces) != 1 || res.Tablespaces[0].Name != "tbs1" || res.Tablespaces[0].Location != tbs {
		t.Errorf("tablespaces %+v", res.Tablespaces)
	}
	var m map[string]any
	if err := json.Unmarshal(res.Manifest, &m); err != nil || m["PostgreSQL-Backup-Manifest-Version"] == nil {
		t.Errorf("manifest: %v", err)
	}
	ver, _ := filepath.Glob(filepath.Join(dir, oid, "PG_15_*", "*", "*"))
	if _, err := os.Stat(filepath.Join(dir, "data", "PG_VERSION")); err != nil || len(ver) == 0 {
		t.Errorf("PG_VERSION: %v; tablespace files: %v", err, ver)
	}
	if res.Files < 100 || res.Bytes < 10<<20 {
		t.Errorf("files=%d bytes=%d", res.Files, res.Bytes)
	}
}

// verifyBackup runs pg_verifybackup without WAL parsing. The server sent
// tablespace_map instead of pg_tblspc links (TABLESPACE_MAP), so the link
// a restore would make is made first, to the copy of the tablespace.
func verifyBackup(t *testing.T, dir, oid string) {
	t.Helper()
	bin := pgtest.Bin("pg_verifybackup")
	pgtest.Require(t, "pg_verifybackup (PostgreSQL 15)", bin)
	link := filepath.Join(dir, "data", "pg_tblspc", oid)
	if err := os.Symlink(filepath.Join("..", "..", oid), link); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-n", filepath.Join(dir, "data")).CombinedOutput()
	if err != nil {
		t.Errorf("pg_verifybackup: %v\n%s", err, out)
	}
}

// TestStreamBackupErrors checks that authentication and permission
// failures come with a hint.
func TestStreamBackupErrors(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Password: "s3cret"})
	pg.SQL(t, "CREATE ROLE norepl LOGIN PASSWORD 'pw'")
	base := "host=" + pg.Host + " port=" + pg.SQL(t, "SHOW port") + " dbname=postgres"
	tests := []struct{ conninfo, msg, hint string }{
		{base + " user=postgres password=wrong", "password authentication failed", "password"},
		{base + " user=norepl password=pw", "replication", "ALTER ROLE norepl REPLICATION"},
		{"host=127.0.0.1 port=1 user=x connect_timeout=5", "connect", "is running"},
	}
	for _, tc := range tests {
		sink := &Sink{Dir: t.TempDir()}
		_, err := StreamBackup(context.Background(), tc.conninfo, StreamOptions{}, sink)
		var h interface{ Hint() string }
		if err == nil || !strings.Contains(err.Error(), tc.msg) || !errors.As(err, &h) || !strings.Contains(h.Hint(), tc.hint) {
			t.Errorf("%s: err = %v (hint %v)", tc.conninfo, err, h)
		}
		t.Logf("%v\n\thint: %s", err, h.Hint())
	}
	noReplicationLine(t, pg)
	_, err := StreamBackup(context.Background(), pg.ConnInfo(), StreamOptions{}, &Sink{Dir: t.TempDir()})
	var h interface{ Hint() string }
	if err == nil || !strings.Contains(err.Error(), "no pg_hba.conf entry for replication") ||
		!errors.As(err, &h) || !strings.Contains(h.Hint(), "host replication postgres") {
		t.Errorf("no pg_hba replication line: err = %v", err)
	}
}

// noReplicationLine removes the replication lines of pg_hba.conf.
func noReplicationLine(t *testing.T, pg *pgtest.Postgres) {
	hba := filepath.Join(pg.DataDir, "pg_hba.conf")
	data, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) < 2 || f[1] != "replication" {
			kept = append(kept, line)
		}
	}
	if err := os.WriteFile(hba, []byte(strings.Join(kept, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	pg.Reload(t)
}

// TestStreamBackupInterrupted cancels a slow backup, then kills the
// server side of another: both are errors, never a clean end.
func TestStreamBackupInterrupted(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opt := StreamOptions{MaxRateKBps: 1024, Progress: func(int64, int64) { cancel() }}
	_, err := StreamBackup(ctx, pg.ConnInfo(), opt, &Sink{Dir: t.TempDir()})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
	kill := func(int64, int64) {
		pg.SQL(t, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'barman_streaming_backup'")
	}
	opt.Progress = kill
	_, err = StreamBackup(context.Background(), pg.ConnInfo(), opt, &Sink{Dir: t.TempDir()})
	if err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("terminated: err = %v", err)
	}
	t.Log(err)
}
