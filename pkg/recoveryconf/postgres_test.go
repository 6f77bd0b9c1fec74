package recoveryconf_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/recoveryconf"
)

// TestPITRWithPostgres restores a pg_basebackup of a real PostgreSQL 15 to
// a restore point with the plan of Prepare, and checks that the server
// stops at the target, promotes, and does not archive although the file
// its postgresql.conf includes (pgtest.conf) still sets an archive_command.
func TestPITRWithPostgres(t *testing.T) {
	archive := ownedDir(t, "archive")
	archiveCmd := "cp %p " + archive + "/%f"
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: archiveCmd})
	backup := filepath.Join(ownedDir(t, "restore"), "data")
	pg.SQL(t, "CREATE TABLE t (i int)")
	run(t, pg.Command("pg_basebackup", "-D", backup, "-X", "stream", "-c", "fast"))
	pg.SQL(t, "INSERT INTO t VALUES (1)")
	pg.SQL(t, "SELECT pg_create_restore_point('before_second')")
	pg.SQL(t, "INSERT INTO t VALUES (2)")
	waitFile(t, filepath.Join(archive, pg.SQL(t, "SELECT pg_walfile_name(pg_switch_wal())")))
	version, _ := strconv.Atoi(pg.SQL(t, "SHOW server_version_num"))
	pg.Stop(t)

	o := recoveryconf.Options{PGVersion: version, RestoreCommand: "cp " + archive + "/%f %p",
		TargetName: "before_second", TargetAction: "promote", Stamp: "test"}
	plan, err := recoveryconf.Prepare(o, readFiles(t, backup))
	if err != nil {
		t.Fatal(err)
	}
	apply(t, backup, plan)
	pgtest.ChownToOSUser(t, backup)

	restored := pgtest.StartExisting(t, backup, pgtest.Options{ArchiveCommand: archiveCmd})
	waitFor(t, "promotion", func() bool { return restored.SQL(t, "SELECT pg_is_in_recovery()") == "f" })
	if got := restored.SQL(t, "SELECT string_agg(i::text, ',') FROM t"); got != "1" {
		t.Errorf("rows after recovery to the restore point = %q, want 1", got)
	}
	if got := restored.SQL(t, "SHOW archive_command"); got != "false" {
		t.Errorf("archive_command = %q, want false", got)
	}
	waitFor(t, "a failed archiving attempt", func() bool {
		return restored.SQL(t, "SELECT failed_count > 0 FROM pg_stat_archiver") == "t"
	})
	if _, err := os.Stat(filepath.Join(archive, "00000002.history")); err == nil {
		t.Errorf("the restored server archived its new timeline into the origin's archive")
	}
}

// ownedDir makes a directory the PostgreSQL OS user owns.
func ownedDir(t *testing.T, name string) string {
	dir := filepath.Join(pgtest.TempDir(t), name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	pgtest.ChownToOSUser(t, dir)
	return dir
}

func run(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

func readFiles(t *testing.T, dir string) map[string][]byte {
	files := map[string][]byte{}
	for _, name := range []string{recoveryconf.PostgresqlConf, recoveryconf.AutoConf, recoveryconf.RecoveryConf,
		recoveryconf.RecoverySignal, recoveryconf.StandbySignal} {
		content, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil {
			files[name] = content
		} else if !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	return files
}

// apply carries out a plan the way barman recover does.
func apply(t *testing.T, dir string, p recoveryconf.Plan) {
	for name, content := range p.Origin {
		if err := os.WriteFile(filepath.Join(dir, name+".origin"), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range p.Write {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range p.Remove {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
}

func waitFile(t *testing.T, path string) {
	waitFor(t, path, func() bool { _, err := os.Stat(path); return err == nil })
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 30s", what)
		}
	}
}
