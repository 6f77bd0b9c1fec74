package clitest

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
)

// TestRetentionRedundancy: REDUNDANCY 2 on a real PostgreSQL 15, four
// backups with pgbench between them. The first backup purges the WAL
// archived before it; cron then removes the two oldest backups and the WAL
// only they needed; the oldest remaining backup recovers to a time after
// the newest backup, with exactly the rows written before that time.
func TestRetentionRedundancy(t *testing.T) {
	s := newWALSite(t, "backup_method = postgres\ncompression = gzip\nimmediate_checkpoint = true\n"+
		"retention_policy = REDUNDANCY 2\nminimum_redundancy = 1\n")
	incoming := filepath.Join(s.home, "main", "incoming")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f"})
	s = rewriteConninfo(t, s, pg)
	l := catalog.NewLayout(s.home, "main", catalog.Dirs{})
	cron := func() string {
		t.Helper()
		pg.SQL(t, "SELECT pg_switch_wal()")
		waitArchiver(t, pg)
		out, errOut, code := run(t, "barman", "-c", s.conf, "cron")
		if code != 0 {
			t.Fatalf("cron exit %d:\n%s%s", code, out, errOut)
		}
		return out
	}
	pg.SQL(t, "CREATE TABLE marks (tag text PRIMARY KEY, at timestamptz NOT NULL DEFAULT clock_timestamp())")
	pg.Pgbench(t, "-i", "-s", "1", "-q")
	cron()
	var ids []string
	for i := range 4 {
		pg.Pgbench(t, "-t", "300", "-c", "2", "-n")
		pg.SQL(t, fmt.Sprintf("INSERT INTO marks(tag) VALUES ('before_backup_%d')", i))
		out, errOut, code := run(t, "barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "60", "main")
		if code != 0 {
			t.Fatalf("backup %d: exit %d:\n%s%s", i, code, out, errOut)
		}
		b := lastBackup(t, s.home)
		ids = append(ids, b.ID)
		if i == 0 {
			if !strings.Contains(out, "This is the first backup for server main") || !strings.Contains(out, "from server main has been removed") {
				t.Errorf("the first backup did not purge the WAL archived before it:\n%s", out)
			}
			checkNoWALBefore(t, l, b.BeginWAL())
		}
	}
	pg.SQL(t, "INSERT INTO marks(tag) VALUES ('after_backups')")
	time.Sleep(1100 * time.Millisecond)
	target := pg.SQL(t, "SELECT clock_timestamp()")
	time.Sleep(1100 * time.Millisecond)
	pg.SQL(t, "INSERT INTO marks(tag) VALUES ('after_target')")

	out := cron()
	for i, id := range ids {
		if removed := strings.Contains(out, "Enforcing retention policy: removing backup "+id+" for server main"); removed != (i < 2) {
			t.Errorf("backup %d (%s) removed: %v\n%s", i, id, removed, out)
		}
	}
	list, errOut, code := run(t, "barman", "-c", s.conf, "list-backup", "--minimal", "main")
	if code != 0 || list != ids[3]+"\n"+ids[2]+"\n" {
		t.Fatalf("list-backup: exit %d\n%s%s", code, list, errOut)
	}
	kept, err := l.ReadBackupInfo(ids[2])
	if err != nil {
		t.Fatal(err)
	}
	checkNoWALBefore(t, l, kept.BeginWAL())

	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	out, errOut, code = run(t, "barman", "-c", s.conf, "recover", "--target-time", target, "--target-action", "promote", "main", ids[2], dest)
	if code != 0 {
		t.Fatalf("recover: exit %d:\n%s%s", code, out, errOut)
	}
	pgtest.ChownToOSUser(t, dest)
	rec := pgtest.StartExisting(t, dest, pgtest.Options{})
	waitPromoted(t, rec)
	rows := rec.SQL(t, "SELECT string_agg(tag, ',' ORDER BY at) FROM marks")
	if want := "before_backup_0,before_backup_1,before_backup_2,before_backup_3,after_backups"; rows != want {
		t.Errorf("recovered rows %s, want %s", rows, want)
	}
	rec.Stop(t)
}

// checkNoWALBefore: the archive keeps no segment older than begin (but
// history files).
func checkNoWALBefore(t *testing.T, l *catalog.Layout, begin string) {
	t.Helper()
	entries, err := l.ReadXlogDB()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name, ".history") && e.Name < begin {
			t.Errorf("%s is still archived, before %s", e.Name, begin)
		}
	}
}
