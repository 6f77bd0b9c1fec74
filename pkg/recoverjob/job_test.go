package recoverjob

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/server"
)

// backupInfo is a DONE backup of PostgreSQL 15 with tablespace tbs1.
const backupInfo = `backup_label=None
begin_offset=40
begin_time=2026-11-25 12:00:00.049404+00:00
begin_wal=000000010000000000000006
begin_xlog=0/6000028
compression=None
config_file=/srv/pgdata/postgresql.conf
end_offset=96
end_time=2026-11-25 12:00:01.521047+00:00
end_wal=000000010000000000000007
end_xlog=0/7000060
error=None
hba_file=/srv/pgdata/pg_hba.conf
ident_file=/srv/pgdata/pg_ident.conf
mode=postgres
pgdata=/srv/pgdata
server_name=pg
size=100
status=DONE
systemid=7712131381569798051
tablespaces=[('tbs1', 16384, '/srv/orig/tbs1')]
timeline=1
version=150018
xlog_segment_size=16777216
`

// newServer writes a configuration and a catalogue with one backup
// (testID) of server pg, and returns the server.
func newServer(t *testing.T) *server.Server {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	conf := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + home + "\nbarman_user = barman\n[pg]\nconninfo = host=pg\nbackup_method = postgres\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(conf)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg, cfg.Server("pg"))
	if err != nil {
		t.Fatal(err)
	}
	backupDir := s.Layout.BackupPath(testID)
	writeBackupIn(t, backupDir, map[string]string{"data/PG_VERSION": "15\n", "data/postgresql.conf": "archive_command = 'cp %p /srv/archive/%f'\n",
		"data/tablespace_map": "16384 /srv/orig/tbs1\n", "16384/PG_15/1": "in tbs1"})
	if err := os.WriteFile(filepath.Join(backupDir, "backup.info"), []byte(backupInfo), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(s.Layout.WALsDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestRunGetWAL: a whole recovery whose WAL get-wal fetches on demand
// (no archive needed): the files, the relocated tablespace, the recovery
// settings with the dangerous one disarmed, the messages and the result.
func TestRunGetWAL(t *testing.T) {
	s := newServer(t)
	dest, tbs := filepath.Join(t.TempDir(), "pgdata"), filepath.Join(t.TempDir(), "tbs1")
	var rec report.Recorder
	yes := true
	archived, polled := false, false
	o := Options{BackupID: "latest", Dest: dest, Target: Target{Name: "rp1", Action: "promote"}, GetWAL: &yes,
		Relocate: map[string]string{"tbs1": tbs}, BarmanPath: "/opt/barman",
		ArchiveFirst: func(context.Context) error { archived = true; return errors.New("archiver busy") },
		Progress: func(poll func() (int64, int64)) func() {
			polled = true
			return func() {}
		}}
	res, err := New(s, nil, &rec, nil).Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if !archived || !polled {
		t.Errorf("ArchiveFirst called: %v, Progress called: %v", archived, polled)
	}
	if res.Backup.ID != testID || res.Copied.Files != 4 || res.Dest != dest || res.Tablespaces[16384] != tbs {
		t.Errorf("result %+v", res)
	}
	wantCmd := "'/opt/barman' -c '" + s.Config.MainFile + "' get-wal -P 'pg' %f > %p"
	if res.RestoreCommand != wantCmd {
		t.Errorf("restore_command %q, want %q", res.RestoreCommand, wantCmd)
	}
	auto := readFile(t, filepath.Join(dest, "postgresql.auto.conf"))
	for _, want := range []string{"recovery_target_name = 'rp1'", "recovery_target_action = 'promote'", "# The 'barman get-wal' command must run as 'barman' user"} {
		if !strings.Contains(auto, want) {
			t.Errorf("postgresql.auto.conf lacks %q:\n%s", want, auto)
		}
	}
	if conf := readFile(t, filepath.Join(dest, "postgresql.conf")); !strings.Contains(conf, "archive_command = false") {
		t.Errorf("archive_command not disarmed:\n%s", conf)
	}
	if _, err := os.Stat(filepath.Join(dest, "recovery.signal")); err != nil {
		t.Error(err)
	}
	if got := readFile(t, filepath.Join(tbs, "PG_15", "1")); got != "in tbs1" {
		t.Errorf("tablespace file %q", got)
	}
	said := map[string]bool{}
	for _, m := range rec.Messages {
		said[m.Level+": "+m.Text] = true
	}
	for _, want := range []string{"warning: archiving the waiting WAL files of pg first: archiver busy",
		"info: Starting local restore for server pg using backup " + testID, "info: Copying the base backup.",
		"info: \t16384, tbs1, " + tbs, "info: Identify dangerous settings in destination directory."} {
		if !said[want] {
			t.Errorf("no message %q in %v", want, rec.Messages)
		}
	}
	summary := strings.Join(res.Summary(), "\n")
	if !strings.Contains(summary, "  WAL              : fetched on demand by restore_command: "+wantCmd) ||
		!strings.Contains(summary, "  Tablespace       : tbs1 (16384) in "+tbs) {
		t.Errorf("summary:\n%s", summary)
	}
	j := res.JSON()
	if j["backup_id"] != testID || j["wal"].(map[string]any)["restore_command"] != wantCmd || j["target"].(map[string]any)["target_name"] != "rp1" {
		t.Errorf("JSON %v", j)
	}

	// The same again into the directory now full: refused, with a hint.
	_, err = New(s, nil, report.Discard, nil).Run(context.Background(), o)
	var h interface{ Hint() string }
	if err == nil || !strings.Contains(err.Error(), "is not empty") || !errors.As(err, &h) || !strings.Contains(h.Hint(), "--delta-restore") {
		t.Errorf("second run into %s: %v, want a refusal hinting at --delta-restore", dest, err)
	}
}

// TestRunRefuses: what is wrong is said before anything is written.
func TestRunRefuses(t *testing.T) {
	s := newServer(t)
	for _, tc := range []struct {
		name string
		o    Options
		want string
	}{
		{"two targets", Options{BackupID: "latest", Target: Target{Name: "a", XID: "5"}}, "cannot be used together"},
		{"unknown backup", Options{BackupID: "20200101T000000"}, "20200101T000000"},
		{"unknown tablespace", Options{BackupID: "latest", Relocate: map[string]string{"nope": "/x"}}, `has no tablespace "nope" (it has: tbs1)`},
		{"time before the end of the backup", Options{BackupID: testID, Target: Target{Time: "2026-11-25 12:00:00+00"}}, "before the end of backup"},
		{"auto with a name", Options{BackupID: "auto", Target: Target{Name: "rp1"}}, "'auto' works with --target-time"},
		{"relative remote destination", Options{BackupID: "latest", RemoteSSH: "ssh pg2"}, "must be an absolute path on the remote host"},
		{"a colon in the destination", Options{BackupID: "latest"}, "contains ':'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "d")
			switch tc.name {
			case "relative remote destination":
				dest = "pgdata"
			case "a colon in the destination":
				dest = "pg2:/srv/pgdata"
			}
			tc.o.Dest = dest
			_, err := New(s, nil, report.Discard, nil).Run(context.Background(), tc.o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if _, err := os.Stat(dest); err == nil {
				t.Errorf("%s was created", dest)
			}
		})
	}
}
