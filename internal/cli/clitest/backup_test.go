package clitest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/stream"
)

// manifestOrder returns the paths of a backup's manifest in copy order.
func manifestOrder(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "manifest.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var paths []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec struct{ Type, Path, Kind string }
		if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Type == "backup_file" && rec.Kind == "file" {
			paths = append(paths, rec.Path)
		}
	}
	return paths
}

// TestBackupRsyncOverSSH: `barman backup` of a real server with a
// tablespace, pgbench running, through the test sshd; DONE once its WAL is
// archived; a second backup with reuse_backup = link shares the unchanged
// files; Debian's Barman 3.4 reads both as DONE.
func TestBackupRsyncOverSSH(t *testing.T) {
	hookLog := filepath.Join(pgtest.TempDir(t), "hooks.log")
	hook := "env | grep ^BARMAN_ | sort >> " + hookLog + "; echo -- >> " + hookLog
	s := newWALSite(t, "compression = gzip\nreuse_backup = link\nparallel_jobs = 2\nimmediate_checkpoint = true\npre_backup_script = "+hook+"\npost_backup_script = "+hook+
		"\nnetwork_compression = true\nbandwidth_limit = 100000\nkeepalive_interval = 1")
	incoming := filepath.Join(s.home, "main", "incoming")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f"})
	tbs := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, tbs)
	pg.SQL(t, "CREATE TABLESPACE tbs1 LOCATION '"+tbs+"'")
	pg.SQL(t, "CREATE TABLE in_tbs TABLESPACE tbs1 AS SELECT generate_series(1, 1000) AS x")
	pg.Pgbench(t, "-i", "-s", "2", "-q")
	sshd := pgtest.StartSSHD(t)
	s = rewriteConninfo(t, s, pg)
	appendConf(t, s.conf, "ssh_command = "+sshd.ToPostgres(pg))

	bench := pg.Command(pgtest.Bin("pgbench"), "-T", "4", "-c", "2", "-n")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "60", "main")
	bench.Wait()
	if code != 0 {
		t.Fatalf("backup exit %d:\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"Starting backup using rsync-concurrent method for server main", "Backup start at LSN:", "Backup end at LSN:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	l := catalog.NewLayout(s.home, "main", catalog.Dirs{})
	backups, err := l.ListBackups()
	if err != nil || len(backups) != 1 {
		t.Fatalf("backups %v %v", backups, err)
	}
	b := backups[0]
	if b.Status() != catalog.StatusDone || len(b.Tablespaces()) != 1 || !strings.HasPrefix(b.BackupLabel(), "START WAL LOCATION") {
		t.Fatalf("backup.info:\n%s", b.Marshal())
	}
	dir := l.BackupPath(b.ID)
	checkBackupHooks(t, hookLog, b.ID, dir)
	order := manifestOrder(t, dir)
	// pg_control is the last file copied from the server; only the files
	// pg_backup_stop returned come after it.
	if n := len(order); n < 3 || order[n-3] != "data/global/pg_control" || order[n-2] != "data/backup_label" || order[n-1] != "data/tablespace_map" {
		t.Errorf("pg_control not copied last: ...%v", order[max(0, len(order)-4):])
	}
	for _, p := range []string{"data/backup_label", "data/tablespace_map", "data/PG_VERSION"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}

	// Second backup: unchanged files are hard links to the first's.
	out, errOut, code = run(t, "barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "60", "--name", "second", "main")
	if code != 0 {
		t.Fatalf("second backup exit %d:\n%s%s", code, out, errOut)
	}
	backups, _ = l.ListBackups()
	if len(backups) != 2 || backups[1].BackupName() != "second" {
		t.Fatalf("backups after the second: %d", len(backups))
	}
	size, _ := backups[1].Size()
	dedup, _ := backups[1].DeduplicatedSize()
	if dedup >= size || !sharesInode(t, filepath.Join(dir, "data/PG_VERSION"), filepath.Join(l.BackupPath(backups[1].ID), "data/PG_VERSION")) {
		t.Errorf("reuse_backup = link shared nothing: size %d deduplicated %d", size, dedup)
	}
	replacements := []string{s.home, "HOME", tbs, "TBS", pg.DataDir, "PGDATA"}
	for _, cmd := range [][]string{{"list-backup", "main"}, {"show-backup", "main", "second"}} {
		out, errOut, code := run(t, "barman", append([]string{"-c", s.conf}, cmd...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", cmd, code, out, errOut)
		}
		golden(t, cmd[0]+"-rsync.txt", normalizeOutput(out, replacements...))
	}
	barman34ListsDone(t, s, pg, backups)
}

func appendConf(t *testing.T, conf, line string) {
	data, _ := os.ReadFile(conf)
	os.WriteFile(conf, []byte(string(data)+line+"\n"), 0o644)
}

func sharesInode(t *testing.T, a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	if err1 != nil || err2 != nil {
		t.Errorf("stat: %v %v", err1, err2)
		return false
	}
	return sa.Sys().(*syscall.Stat_t).Ino == sb.Sys().(*syscall.Stat_t).Ino
}

// barman34ListsDone asks Debian's Barman 3.4 to list our backups.
func barman34ListsDone(t *testing.T, s *walSite, pg *pgtest.Postgres, backups []*catalog.BackupInfo) {
	t.Helper()
	pgtest.Require(t, "Debian's barman 3.4", "/usr/bin/barman")
	conf := filepath.Join(filepath.Dir(s.conf), "barman34.conf")
	text := fmt.Sprintf("[barman]\nbarman_home = %s\nbarman_user = %s\nlog_file = %s\n[main]\nconninfo = %s\nbackup_method = postgres\narchiver = on\n",
		s.home, currentUser(t), filepath.Join(filepath.Dir(s.conf), "barman34.log"), pg.ConnInfo())
	os.WriteFile(conf, []byte(text), 0o644)
	cmd := exec.Command("/usr/bin/barman", "-c", conf, "list-backup", "main")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("Barman 3.4 list-backup: %v\n%s", err, stderr.String())
	}
	for _, b := range backups {
		line := ""
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, b.ID) {
				line = l
			}
		}
		if line == "" || strings.Contains(line, "FAILED") || strings.Contains(line, "WAITING") || !strings.Contains(line, "Size:") {
			t.Errorf("Barman 3.4 lists backup %s as %q:\n%s", b.ID, line, out)
		}
	}
	cmd = exec.Command("/usr/bin/barman", "-c", conf, "show-backup", "main", backups[0].ID)
	show, err := cmd.Output()
	if err != nil || !strings.Contains(string(show), "Status                 : DONE") {
		t.Errorf("Barman 3.4 show-backup: %v\n%s", err, show)
	}
}

// TestBackupPostgresMethod: backup_method = postgres streams the backup
// over the replication protocol, no SSH; with a tablespace and pgbench.
func TestBackupPostgresMethod(t *testing.T) {
	s := newWALSite(t, "backup_method = postgres\ncompression = zstd\nimmediate_checkpoint = true\nbandwidth_limit = 200000")
	incoming := filepath.Join(s.home, "main", "incoming")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f",
		Settings: map[string]string{"log_replication_commands": "on"}})
	tbs := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, tbs)
	pg.SQL(t, "CREATE TABLESPACE tbs1 LOCATION '"+tbs+"'")
	pg.SQL(t, "CREATE TABLE in_tbs TABLESPACE tbs1 AS SELECT generate_series(1, 1000) AS x")
	pg.Pgbench(t, "-i", "-s", "1", "-q")
	s = rewriteConninfo(t, s, pg)
	bench := pg.Command(pgtest.Bin("pgbench"), "-T", "3", "-c", "2", "-n")
	if err := bench.Start(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "60", "main")
	bench.Wait()
	if code != 0 {
		t.Fatalf("backup exit %d:\n%s%s", code, out, errOut)
	}
	l := catalog.NewLayout(s.home, "main", catalog.Dirs{})
	backups, _ := l.ListBackups()
	if len(backups) != 1 || backups[0].Status() != catalog.StatusDone || backups[0].Mode() != "postgres" || len(backups[0].Tablespaces()) != 1 {
		t.Fatalf("backups: %d\n%s", len(backups), backups[0].Marshal())
	}
	dir := l.BackupPath(backups[0].ID)
	for _, p := range []string{"data/backup_label", "data/backup_manifest", "data/global/pg_control"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	if out, _, code := run(t, "barman", "-c", s.conf, "verify-backup", "main", backups[0].ID); code != 0 {
		t.Errorf("verify-backup: exit %d: %s", code, out)
	}
	if log, _ := os.ReadFile(pg.LogFile); !strings.Contains(string(log), "MAX_RATE 200000") {
		t.Errorf("bandwidth_limit did not reach BASE_BACKUP as MAX_RATE:\n%s", tail(pg.LogFile))
	}
	replacements := []string{s.home, "HOME", tbs, "TBS", pg.DataDir, "PGDATA"}
	for _, cmd := range [][]string{{"list-backup", "main"}, {"show-backup", "main", "latest"}} {
		out, errOut, code := run(t, "barman", append([]string{"-c", s.conf}, cmd...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", cmd, code, out, errOut)
		}
		golden(t, cmd[0]+".txt", normalizeOutput(out, replacements...))
	}
	barman34ListsDone(t, s, pg, backups)
}

// outputVariables are what changes from one run to the next in the
// catalogue commands' output, and what stands for it in golden files.
var outputVariables = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`(Copy time +: ).*`), "${1}<DURATION>"},
	// Shown once WAL after the backup's end is archived: timing decides.
	{regexp.MustCompile(`(?m)^ +(WAL rate|Compression ratio) +: .*\n`), ""},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?(\+\d\d:\d\d)?`), "<TIME>"},
	{regexp.MustCompile(`[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}`), "<CTIME>"},
	{regexp.MustCompile(`\d{8}T\d{6}`), "<ID>"},
	{regexp.MustCompile(`[0-9A-F]{24}`), "<WAL>"},
	{regexp.MustCompile(`\b[0-9A-F]+/[0-9A-F]+\b`), "<LSN>"},
	{regexp.MustCompile(`\d+(\.\d+)? (B|KiB|MiB|GiB|TiB)\b`), "<SIZE>"},
	{regexp.MustCompile(`-?\d+(\.\d+)?%`), "<PERCENT>"},
	{regexp.MustCompile(`\d+(\.\d+)?`), "<N>"},
}

// normalizeOutput replaces the paths (pairs of path, name) and then the
// variables of out.
func normalizeOutput(out string, paths ...string) string {
	for i := 0; i+1 < len(paths); i += 2 {
		out = strings.ReplaceAll(out, paths[i], "<"+paths[i+1]+">")
	}
	for _, v := range outputVariables {
		out = v.re.ReplaceAllString(out, v.with)
	}
	return out
}

// golden compares got with testdata/golden/NAME (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, p, got)
	}
}

// checkBackupHooks checks the environment of the backup hooks (the guide's
// variables and the modern ones) for the first backup.
func checkBackupHooks(t *testing.T, logFile, id, dir string) {
	t.Helper()
	data, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatalf("backup hooks did not run: %v", err)
	}
	blocks := strings.Split(string(data), "--\n")
	if len(blocks) < 2 {
		t.Fatalf("hook log:\n%s", data)
	}
	pre, post := blocks[0], blocks[1]
	for _, want := range []string{"BARMAN_PHASE=pre", "BARMAN_STATUS=EMPTY", "BARMAN_HOOK=backup_script", "BARMAN_BACKUP_ID=" + id,
		"BARMAN_BACKUP_DIR=" + dir, "BARMAN_SERVER=main", "BARMAN_PREVIOUS_ID=\n", "BARMAN_CONFIGURATION=", "BARMAN_ERROR=\n", "BARMAN_BACKUP_INFO_PATH=" + dir + "/backup.info"} {
		if !strings.Contains(pre, want) {
			t.Errorf("pre_backup_script environment lacks %q:\n%s", want, pre)
		}
	}
	for _, want := range []string{"BARMAN_PHASE=post", "BARMAN_STATUS=WAITING_FOR_WALS", "BARMAN_BACKUP_ID=" + id, "BARMAN_ERROR=\n"} {
		if !strings.Contains(post, want) {
			t.Errorf("post_backup_script environment lacks %q:\n%s", want, post)
		}
	}
}

// The barman-basebackup stage alone: backup_file records and a summary.
func TestBasebackupStage(t *testing.T) {
	s := newWALSite(t, "backup_method = local-rsync\nimmediate_checkpoint = true")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "true"})
	s = rewriteConninfo(t, s, pg)
	dir := filepath.Join(pgtest.TempDir(t), "copy")
	pg.Pgbench(t, "-i", "-s", "2", "-q") // something to copy for a while
	out, errOut, code := run(t, "barman-basebackup", "-c", s.conf, "--progress", "20ms", "main", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// In a pipe, progress comes as records: growing, with the total.
	var prev int64 = -1
	nprog := 0
	for _, line := range strings.Split(out, "\n") {
		if !strings.Contains(line, `"type":"progress"`) {
			continue
		}
		var p stream.Progress
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		// The total is known (0 before) once the files are listed.
		if p.Stage != "basebackup" || p.Server != "main" || p.DoneBytes < prev || (p.DoneBytes > 0 && p.TotalBytes < p.DoneBytes) {
			t.Errorf("progress record %s", line)
		}
		prev = p.DoneBytes
		nprog++
	}
	if nprog == 0 {
		t.Errorf("no progress record with --progress 20ms:\n%.2000s", out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	if !strings.Contains(last, `"type":"backup_summary"`) || !strings.Contains(last, `"status":"WAITING_FOR_WALS"`) {
		t.Errorf("last record %s", last)
	}
	if !strings.Contains(out, `"path":"data/global/pg_control"`) {
		t.Errorf("no pg_control record")
	}
	if _, err := os.Stat(filepath.Join(dir, "data", "backup_label")); err != nil {
		t.Error(err)
	}
	_, errOut, code = run(t, "barman-basebackup", "-c", s.conf, "main", dir)
	if code == 0 || !strings.Contains(errOut, "is not empty") {
		t.Errorf("second run into the same directory: exit %d %s", code, errOut)
	}
}
