package clitest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
)

// TestBackupTableShrinksDuringCopy: VACUUM truncates a table while an
// rsync-method backup over the test sshd is reading its file. GNU tar
// pads the file with zeros and says "File shrank"; the backup is DONE,
// says so, and recovers with the rows left after the DELETE.
//
// The table's file (32 MB) is in a tablespace copied at 2 MiB/s
// (tablespace_bandwidth_limit: the rest of PGDATA goes at full speed).
// Its copy takes some 16 s; the test truncates it once its first bytes
// are in the backup (tar has opened it by then), so tar is still far
// from its end. The test fails if tar did not report the shrink: the
// fault is checked, not assumed.
func TestBackupTableShrinksDuringCopy(t *testing.T) {
	logFile := filepath.Join(pgtest.TempDir(t), "barman.log")
	s := newWALSite(t, "immediate_checkpoint = true\ntablespace_bandwidth_limit = tbs1:2048")
	editConf(t, s.conf, "[barman]\n", "[barman]\nlog_file = "+logFile+"\n")
	incoming := filepath.Join(s.home, "main", "incoming")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f"})
	tbs := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, tbs)
	pg.SQL(t, "CREATE TABLESPACE tbs1 LOCATION '"+tbs+"'")
	pg.SQL(t, "CREATE TABLE big (x int, pad text) WITH (autovacuum_enabled = off) TABLESPACE tbs1")
	pg.SQL(t, "INSERT INTO big SELECT x, repeat('p', 300) FROM generate_series(1, 100000) AS x")
	size := relationSize(t, pg)
	if size < 30<<20 {
		t.Fatalf("table big is only %d bytes", size)
	}
	sshd := pgtest.StartSSHD(t)
	s = rewriteConninfo(t, s, pg)
	appendConf(t, s.conf, "ssh_command = "+sshd.ToPostgres(pg))
	// The backup's copy of big's file: <backup>/<tablespace oid>/PG_.../<db oid>/<relfilenode>.
	rel := strings.TrimPrefix(pg.SQL(t, "SELECT pg_relation_filepath('big')"), "pg_tblspc/")
	copied := filepath.Join(s.home, "main", "base", "*", rel)

	var stdout, stderr bytes.Buffer
	backup := exec.Command("barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "120", "main")
	backup.Stdout, backup.Stderr = &stdout, &stderr
	if err := backup.Start(); err != nil {
		t.Fatal(err)
	}
	waitCopyStarted(t, copied, backup)
	pg.SQL(t, "DELETE FROM big WHERE x > 1000")
	// VACUUM may truncate only part of the empty tail in one run (it
	// gives the truncation up when it sees a lock waiter, and it was seen
	// to stop at 25 of 34 MB once): run it again until the tail is gone.
	after := size
	for i := 0; i < 20 && after > size/10; i++ {
		pg.SQL(t, "VACUUM big")
		after = relationSize(t, pg)
	}
	if after > size/10 {
		t.Fatalf("VACUUM did not truncate big: %d bytes, was %d", after, size)
	}
	err := backup.Wait()
	out := stdout.String() + stderr.String()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	logText, _ := os.ReadFile(logFile)
	if !strings.Contains(string(logText), "File shrank by") || !strings.Contains(out, "vanished, shrank or changed during the copy") {
		t.Fatalf("tar did not report the shrink of %s, the fault was not injected:\n%s\nlog:\n%s", rel, out, logText)
	}
	b := lastBackup(t, s.home)
	if b.Status() != catalog.StatusDone {
		t.Fatalf("backup %s is %s", b.ID, b.Status())
	}

	// recover obeys tablespace_bandwidth_limit too: at full speed here.
	editConf(t, s.conf, "tablespace_bandwidth_limit = tbs1:2048\n", "")
	dest := filepath.Join(pgtest.TempDir(t), "pgdata")
	newTbs := filepath.Join(pgtest.TempDir(t), "tbs1")
	out2, errOut, code := run(t, "barman", "-c", s.conf, "recover", "--tablespace", "tbs1:"+newTbs, "main", b.ID, dest)
	if code != 0 {
		t.Fatalf("recover: exit %d:\n%s%s", code, out2, errOut)
	}
	pgtest.ChownToOSUser(t, dest, newTbs)
	restored := pgtest.StartExisting(t, dest, pgtest.Options{})
	waitPromoted(t, restored)
	if got := restored.SQL(t, "SELECT count(*), sum(x), min(length(pad)) FROM big"); got != "1000|500500|300" {
		t.Errorf("recovered table big: %s, want 1000|500500|300", got)
	}
}

// relationSize is the size of table big's file.
func relationSize(t *testing.T, pg *pgtest.Postgres) int64 {
	t.Helper()
	n, err := strconv.ParseInt(pg.SQL(t, "SELECT pg_relation_size('big')"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// waitCopyStarted waits until the backup has received the first bytes of
// the file matching pattern: tar has opened it.
func waitCopyStarted(t *testing.T, pattern string, backup *exec.Cmd) {
	t.Helper()
	for deadline := time.Now().Add(90 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m, _ := filepath.Glob(pattern); len(m) == 1 {
			if st, err := os.Stat(m[0]); err == nil && st.Size() > 0 {
				return
			}
		}
	}
	backup.Process.Kill()
	backup.Wait()
	t.Fatalf("the backup never started copying %s", pattern)
}

// editConf replaces the first old in the configuration file with new.
func editConf(t *testing.T, conf, old, new string) {
	t.Helper()
	data, err := os.ReadFile(conf)
	if err != nil || !strings.Contains(string(data), old) {
		t.Fatalf("%s lacks %q: %v", conf, old, err)
	}
	if err := os.WriteFile(conf, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
