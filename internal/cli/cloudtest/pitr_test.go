package cloudtest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
)

// TestPointInTime is the whole loop with our tools only, as the README
// shows it: barman-cloud-wal-archive as archive_command under pgbench,
// barman-cloud-backup, more changes, barman-cloud-restore of the backup and
// barman-cloud-wal-restore (with prefetch) as restore_command to a target
// time; the recovered server must hold exactly the rows committed before
// the target. Then retention: a second backup and -r "REDUNDANCY 1" leaves
// the second backup, and its WAL, alone.
func TestPointInTime(t *testing.T) {
	f := newFixture(t)
	pg := pgtest.StartPostgres(t, pgtest.Options{
		ArchiveCommand: f.Cmd("barman-cloud-wal-archive", "-z", f.URL, "main", "%p"),
	})
	pg.Pgbench(t, "-i", "-s", "2")
	pg.SQL(t, "CREATE TABLE t (id int PRIMARY KEY, phase text)")
	pg.SQL(t, "INSERT INTO t SELECT g, 'before backup' FROM generate_series(1, 500) g")

	out, errOut, code := f.run(t, "barman-cloud-backup", "-z", "-J", "2", "--immediate-checkpoint",
		"-h", pg.Host, "-p", itoa(pg.Port), "-U", pg.Superuser, "-n", "monday", f.URL, "main")
	if code != 0 {
		t.Fatalf("barman-cloud-backup: exit %d\n%s%s", code, out, errOut)
	}
	id := backupID(t, f, "monday")

	pg.Pgbench(t, "-n", "-T", "2")
	pg.SQL(t, "INSERT INTO t SELECT g, 'after backup' FROM generate_series(501, 800) g")
	want := pg.SQL(t, "SELECT count(*) || ':' || sum(id) FROM t")
	target := pg.SQL(t, "SELECT now()")
	// The target must fall between two commits: wait until now() moved on.
	pgtest.Await(t, "the clock to pass the target", 10*time.Second, func() bool {
		return pg.SQL(t, "SELECT now() > '"+target+"'::timestamptz") == "t"
	})
	pg.SQL(t, "INSERT INTO t SELECT g, 'mistake' FROM generate_series(801, 900) g")
	pg.SQL(t, "DELETE FROM t WHERE id <= 100")
	last := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	pg.SQL(t, "SELECT pg_switch_wal()")
	pgtest.Await(t, "segment "+last+" archived", 60*time.Second, func() bool {
		return pg.SQL(t, "SELECT coalesce(last_archived_wal >= '"+last+"', false) FROM pg_stat_archiver") == "t"
	})

	dest := filepath.Join(pgtest.TempDir(t), "restored")
	out, errOut, code = f.run(t, "barman-cloud-restore", "-J", "2", f.URL, "main", id, dest)
	if code != 0 {
		t.Fatalf("barman-cloud-restore: exit %d\n%s%s", code, out, errOut)
	}
	spool := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, spool)
	if err := os.WriteFile(filepath.Join(dest, "recovery.signal"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	rpg := pgtest.StartExisting(t, dest, pgtest.Options{Settings: map[string]string{
		"restore_command":        f.Cmd("barman-cloud-wal-restore", "-p", "4", "--spool-dir", spool, f.URL, "main", "%f", "%p"),
		"recovery_target_time":   target,
		"recovery_target_action": "promote",
		"archive_mode":           "off",
	}})
	pgtest.Await(t, "the recovered server to be promoted", 120*time.Second, func() bool {
		v, err := rpg.Query("SELECT NOT pg_is_in_recovery()")
		return err == nil && v == "t"
	})
	if got := rpg.SQL(t, "SELECT count(*) || ':' || sum(id) FROM t"); got != want {
		t.Errorf("recovered rows %s, want %s (the rows committed before %s)", got, want, target)
	}
	if got := rpg.SQL(t, "SELECT count(*) FROM t WHERE phase = 'mistake'"); got != "0" {
		t.Errorf("%s rows of the mistake were recovered", got)
	}
	if got := rpg.SQL(t, "SELECT count(*) FROM pgbench_branches"); got != "2" {
		t.Errorf("pgbench_branches has %s rows, want 2", got)
	}

	// Retention: a second backup, then REDUNDANCY 1 deletes the first and
	// the WAL before the second's begin_wal, and nothing the second needs.
	out, errOut, code = f.run(t, "barman-cloud-backup", "-z", "--immediate-checkpoint",
		"-h", pg.Host, "-p", itoa(pg.Port), "-U", pg.Superuser, "-n", "tuesday", f.URL, "main")
	if code != 0 {
		t.Fatalf("second barman-cloud-backup: exit %d\n%s%s", code, out, errOut)
	}
	second := backupID(t, f, "tuesday")
	out, errOut, code = f.run(t, "barman-cloud-backup-delete", "-r", "REDUNDANCY 1", f.URL, "main")
	if code != 0 {
		t.Fatalf("barman-cloud-backup-delete -r: exit %d\n%s%s", code, out, errOut)
	}
	ids := backupIDs(t, f)
	if strings.Join(ids, ",") != second {
		t.Errorf("after REDUNDANCY 1 the backups are %v, want only %s", ids, second)
	}
	// Barman 3.4 agrees, and its check of the WAL archive finds it usable
	// for the remaining backup: restoring it would need begin_wal onwards.
	out, errOut, code = f.runBarman(t, "barman-cloud-backup-list", "--format", "json", f.URL, "main")
	if code != 0 || !strings.Contains(out, second) || strings.Contains(out, id) {
		t.Errorf("Barman 3.4's list after our delete: exit %d\n%s%s", code, out, errOut)
	}
}

type listed struct {
	BackupsList []struct {
		BackupID   string `json:"backup_id"`
		BackupName string `json:"backup_name"`
		Status     string `json:"status"`
	} `json:"backups_list"`
}

func listBackups(t *testing.T, f *fixture) listed {
	t.Helper()
	out, errOut, code := f.run(t, "barman-cloud-backup-list", "--format", "json", f.URL, "main")
	if code != 0 {
		t.Fatalf("barman-cloud-backup-list: exit %d\n%s%s", code, out, errOut)
	}
	var l listed
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatalf("barman-cloud-backup-list --format json: %v\n%s", err, out)
	}
	return l
}

// backupID is the ID of the DONE backup named name.
func backupID(t *testing.T, f *fixture, name string) string {
	t.Helper()
	for _, b := range listBackups(t, f).BackupsList {
		if b.BackupName == name && b.Status == "DONE" {
			return b.BackupID
		}
	}
	t.Fatalf("no DONE backup named %q in the bucket", name)
	return ""
}

func backupIDs(t *testing.T, f *fixture) []string {
	t.Helper()
	var ids []string
	for _, b := range listBackups(t, f).BackupsList {
		ids = append(ids, b.BackupID)
	}
	return ids
}

func itoa(n int) string { return strconv.Itoa(n) }
