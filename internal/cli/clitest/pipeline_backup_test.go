package clitest

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
)

const basebackupMan = "../../../man/barman-basebackup.1.md"

// manPipeline returns the script of the PIPELINE section of
// barman-basebackup(1): its indented lines, unindented.
func manPipeline(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(basebackupMan)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(data), "\n## PIPELINE\n")
	if !ok {
		t.Fatalf("%s has no PIPELINE section", basebackupMan)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	var script []string
	for _, line := range strings.Split(section, "\n") {
		if code, ok := strings.CutPrefix(line, "    "); ok {
			script = append(script, code)
		}
	}
	if len(script) == 0 {
		t.Fatalf("the PIPELINE section of %s shows no script", basebackupMan)
	}
	return strings.Join(script, "\n") + "\n"
}

// runPipeline runs the man page's pipeline with bash for server main of
// conf, the test's tools on $PATH.
func runManPipeline(t *testing.T, conf string) (stdout, stderr string) {
	t.Helper()
	cmd := exec.Command("bash", "-c", manPipeline(t))
	cmd.Env = append(os.Environ(), "CONF="+conf, "SERVER=main")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("the pipeline of %s: %v\n%s%s", basebackupMan, err, out.String(), errOut.String())
	}
	return out.String(), errOut.String()
}

// backupFiles lists a backup's directory: one "kind path" line per entry
// under it, sorted, without backup.info and the manifest.
func backupFiles(t *testing.T, dir string) []string {
	t.Helper()
	var list []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "backup.info" || rel == "manifest.jsonl" {
			return nil
		}
		kind := "file"
		switch {
		case d.IsDir():
			kind = "dir"
		case d.Type()&fs.ModeSymlink != 0:
			kind = "symlink"
		}
		list = append(list, kind+" "+rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(list)
	return list
}

// TestBackupPipeline: the shell pipeline of barman-basebackup(1), run as
// the man page shows it, takes the same backup as `barman backup --wait`
// for the rsync method (through the test sshd, with reuse_backup = link
// and bandwidth limits) and the postgres method (bandwidth_limit as
// MAX_RATE): the same backup.info (golden, variables normalized), the same
// files; and the pipeline's backup recovers to the rows it holds.
func TestBackupPipeline(t *testing.T) {
	for _, method := range []string{"rsync", "postgres"} {
		t.Run(method, func(t *testing.T) { backupPipeline(t, method) })
	}
}

func backupPipeline(t *testing.T, method string) {
	opts := map[string]string{
		"rsync": "backup_method = rsync\nreuse_backup = link\nparallel_jobs = 2\nnetwork_compression = true\n" +
			"bandwidth_limit = 100000\ntablespace_bandwidth_limit = tbs1:100000\nkeepalive_interval = 1",
		"postgres": "backup_method = postgres\nbandwidth_limit = 200000",
	}[method]
	s := newWALSite(t, "compression = gzip\nimmediate_checkpoint = true\n"+opts)
	incoming := filepath.Join(s.home, "main", "incoming")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f",
		Settings: map[string]string{"log_replication_commands": "on"}})
	tbs := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, tbs)
	pg.SQL(t, "CREATE TABLESPACE tbs1 LOCATION '"+tbs+"'")
	pg.SQL(t, "CREATE TABLE marks (tag text) TABLESPACE tbs1")
	pg.Pgbench(t, "-i", "-s", "1", "-q")
	pg.SQL(t, "VACUUM")
	s = rewriteConninfo(t, s, pg)
	if method == "rsync" {
		appendConf(t, s.conf, "ssh_command = "+pgtest.StartSSHD(t).ToPostgres(pg))
	}

	pg.SQL(t, "INSERT INTO marks VALUES ('front-end')")
	if out, errOut, code := run(t, "barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "60", "main"); code != 0 {
		t.Fatalf("backup exit %d:\n%s%s", code, out, errOut)
	}
	pg.SQL(t, "INSERT INTO marks VALUES ('pipeline')")
	out, errOut := runManPipeline(t, s.conf)
	if !strings.Contains(out, `"type":"backup_summary"`) || !strings.Contains(out, `"status":"WAITING_FOR_WALS"`) {
		t.Errorf("the pipeline printed no backup_summary of a copied backup:\n%s", out)
	}
	pg.SQL(t, "INSERT INTO marks VALUES ('after')")

	l := catalog.NewLayout(s.home, "main", catalog.Dirs{})
	backups, err := l.ListBackups()
	if err != nil || len(backups) != 2 {
		t.Fatalf("backups %v %v", backups, err)
	}
	front, piped := backups[0], backups[1]
	replacements := []string{s.home, "HOME", tbs, "TBS", pg.DataDir, "PGDATA"}
	frontInfo := normalizeOutput(string(front.Marshal()), replacements...)
	golden(t, "backup-info-"+method+".txt", frontInfo)
	if got := normalizeOutput(string(piped.Marshal()), replacements...); got != frontInfo {
		t.Errorf("the pipeline's backup.info differs from barman backup's:\n%s\nwant:\n%s", got, frontInfo)
	}
	frontFiles, pipedFiles := backupFiles(t, l.BackupPath(front.ID)), backupFiles(t, l.BackupPath(piped.ID))
	if !slices.Equal(frontFiles, pipedFiles) {
		t.Errorf("the pipeline's backup has other files than barman backup's:\n%s\nwant:\n%s", strings.Join(pipedFiles, "\n"), strings.Join(frontFiles, "\n"))
	}
	copyDir := filepath.Join(pgtest.TempDir(t), "copy")
	if out, errOut, code := run(t, "barman-basebackup", "-c", s.conf, "main", copyDir); code != 0 || !strings.Contains(out, `"status":"WAITING_FOR_WALS"`) {
		t.Fatalf("barman-basebackup into a directory: exit %d\n%s", code, errOut)
	}
	checkStageSettings(t, method, errOut, pg, l.BackupPath(front.ID), l.BackupPath(piped.ID), copyDir)

	pg.SQL(t, "SELECT pg_switch_wal()")
	waitArchiver(t, pg)
	if out, errOut, code := run(t, "barman", "-c", s.conf, "archive-wal", "main"); code != 0 {
		t.Fatalf("archive-wal exit %d:\n%s%s", code, out, errOut)
	}
	dest, newTbs := filepath.Join(pgtest.TempDir(t), "pgdata"), filepath.Join(pgtest.TempDir(t), "tbs1")
	if out, errOut, code := run(t, "barman", "-c", s.conf, "recover", "--target-immediate", "--target-action", "promote", "--tablespace", "tbs1:"+newTbs, "main", piped.ID, dest); code != 0 {
		t.Fatalf("recover exit %d:\n%s%s", code, out, errOut)
	}
	pgtest.ChownToOSUser(t, dest, newTbs) // as the summary tells the DBA
	rec := pgtest.StartExisting(t, dest, pgtest.Options{})
	waitPromoted(t, rec)
	if rows := rec.SQL(t, "SELECT string_agg(tag, ',' ORDER BY tag) FROM marks"); rows != "front-end,pipeline" {
		t.Errorf("the pipeline's backup recovered rows %q, want %q", rows, "front-end,pipeline")
	}
}

// checkStageSettings checks that the settings barman-basebackup shares
// with barman backup reached its copies (into the catalogue, then into a
// directory): reuse_backup and the tablespace limit (rsync), bandwidth_limit
// as MAX_RATE (postgres).
func checkStageSettings(t *testing.T, method, stderr string, pg *pgtest.Postgres, front, piped, copyDir string) {
	t.Helper()
	if method == "postgres" {
		log, _ := os.ReadFile(pg.LogFile)
		if n := len(regexp.MustCompile(`received replication command: BASE_BACKUP .*MAX_RATE 200000`).FindAll(log, -1)); n != 3 {
			t.Errorf("bandwidth_limit reached %d BASE_BACKUP commands as MAX_RATE, want 3 (barman backup and the stage's two)", n)
		}
		return
	}
	if !strings.Contains(stderr, "Tablespace tbs1: bandwidth limit 100000 KiB/s") {
		t.Errorf("the stage did not limit tablespace tbs1:\n%s", stderr)
	}
	if !sharesInode(t, filepath.Join(front, "data/PG_VERSION"), filepath.Join(piped, "data/PG_VERSION")) {
		t.Errorf("reuse_backup = link shared nothing between barman backup's backup and the stage's")
	}
	if !sharesInode(t, filepath.Join(piped, "data/PG_VERSION"), filepath.Join(copyDir, "data/PG_VERSION")) {
		t.Errorf("reuse_backup = link shared nothing between the newest backup and the stage's copy into a directory")
	}
}
