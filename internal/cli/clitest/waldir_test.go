package clitest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// TestRecoverWALOnItsOwnDisk: a server whose pg_wal is a symbolic link
// (initdb -X: WAL on its own disk) is backed up with each method and
// recovered on the same host into a new directory. The recovered server
// starts with exactly the rows the source had, its pg_wal is a directory
// of its own, and nothing was written into the source's WAL directory
// (the promoted recovery writes timeline 2: no such file may appear
// there).
func TestRecoverWALOnItsOwnDisk(t *testing.T) {
	s := newWALSite(t, "immediate_checkpoint = true\ncompression = gzip")
	incoming := filepath.Join(s.home, "main", "incoming")
	walParent := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, walParent)
	walDir := filepath.Join(walParent, "wal")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f", InitdbArgs: []string{"-X", walDir}})
	if fi, err := os.Lstat(filepath.Join(pg.DataDir, "pg_wal")); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the source's pg_wal is not a link (%v): initdb -X did not do what the test needs", err)
	}
	s = rewriteConninfo(t, s, pg)
	sshd := pgtest.StartSSHD(t)
	pg.SQL(t, "CREATE TABLE rows_by_method (method text, step text)")
	pg.SQL(t, "SELECT pg_switch_wal()") // a backup needs archiving to work
	waitArchiver(t, pg)
	for _, method := range []string{"local-rsync", "rsync", "postgres"} {
		t.Run(method, func(t *testing.T) {
			opts := "backup_method = " + method
			if method == "rsync" {
				opts += "\nssh_command = " + sshd.ToPostgres(pg)
			}
			setOptions(t, s.conf, opts)
			pg.SQL(t, "INSERT INTO rows_by_method VALUES ('"+method+"', 'before')")
			if out, errOut, code := run(t, "barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "60", "main"); code != 0 {
				t.Fatalf("backup exit %d:\n%s%s", code, out, errOut)
			}
			pg.SQL(t, "INSERT INTO rows_by_method VALUES ('"+method+"', 'after')")
			pg.SQL(t, "SELECT pg_switch_wal()")
			waitArchiver(t, pg)
			if out, errOut, code := run(t, "barman", "-c", s.conf, "cron"); code != 0 {
				t.Fatalf("cron exit %d:\n%s%s", code, out, errOut)
			}
			const rows = "SELECT string_agg(method || ':' || step, ',' ORDER BY method, step) FROM rows_by_method"
			want := pg.SQL(t, rows)
			dest := filepath.Join(pgtest.TempDir(t), "pgdata")
			if out, errOut, code := run(t, "barman", "-c", s.conf, "recover", "main", "latest", dest); code != 0 {
				t.Fatalf("recover exit %d:\n%s%s", code, out, errOut)
			}
			if fi, err := os.Lstat(filepath.Join(dest, "pg_wal")); err != nil || !fi.IsDir() {
				t.Fatalf("recovered pg_wal is %v (%v), want a directory", fi.Mode(), err)
			}
			pgtest.ChownToOSUser(t, dest) // as the summary tells the DBA
			rec := pgtest.StartExisting(t, dest, pgtest.Options{})
			waitPromoted(t, rec)
			if got := rec.SQL(t, rows); got != want {
				t.Errorf("recovered rows %q, want %q", got, want)
			}
			rec.SQL(t, "SELECT pg_switch_wal()") // the recovered server writes its own WAL
			rec.Stop(t)
			entries, err := os.ReadDir(walDir)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if !strings.HasPrefix(e.Name(), "00000001") && e.Name() != "archive_status" {
					t.Errorf("%s appeared in the source's WAL directory: the recovery wrote into it", e.Name())
				}
			}
		})
	}
}
