package barman

import (
	"context"
	"github.com/gobarman/barman/pkg/server"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/lock"
)

const (
	oldest34 = "20261125T152849" // kept "full"
	newest34 = "20261125T152856"
)

func (c *cat34) exists(rel string) bool {
	_, err := os.Lstat(filepath.Join(c.home, rel))
	return err == nil
}

func (c *cat34) read(rel string) string {
	data, err := os.ReadFile(filepath.Join(c.home, rel))
	if err != nil {
		c.t.Fatal(err)
	}
	return string(data)
}

func TestDeleteRefused(t *testing.T) {
	c := newCat34(t, false, map[string]string{"barman": "minimum_redundancy = 1\n"})
	xlogdb := c.read("pg/wals/xlog.db")
	hold := func(name string) func() {
		lk, err := lock.Acquire(context.Background(), filepath.Join(c.home, name), "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		return func() { lk.Unlock() }
	}
	for _, tc := range []struct {
		name, ref, lock, want string
	}{
		{"keep annotation", "oldest", "", "WARNING: Skipping delete of backup 20261125T152849 for server pg as it has a current keep request. " +
			"If you really want to delete this backup please remove the keep and try again.\n"},
		{"recovery running", "latest", ".pg-20261125T152856-recover.lock",
			"ERROR: Skipping delete of backup 20261125T152856 of server pg: a recovery from it is running.\n"},
		{"backup locked", "second-backup", ".pg-20261125T152856.lock",
			"ERROR: Another process is holding the lock for backup 20261125T152856 of server pg.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.lock != "" {
				defer hold(tc.lock)()
			}
			out, errs, code := c.run("delete", "pg", tc.ref)
			id, _, _ := strings.Cut(strings.SplitN(tc.want, "backup ", 2)[1], " ")
			want := tc.want + "ERROR: Cannot delete backup (pg " + id + ")\n"
			if code != 1 || out != "" || errs != want {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant:\n%s", code, out, errs, want)
			}
		})
	}
	if !c.exists("pg/base/"+oldest34) || !c.exists("pg/base/"+newest34) || c.read("pg/wals/xlog.db") != xlogdb {
		t.Error("the catalogue changed")
	}
}

func TestDeleteMinimumRedundancy(t *testing.T) {
	c := newCat34(t, false, map[string]string{"barman": "minimum_redundancy = 2\n"})
	_, errs, code := c.run("delete", "pg", "latest")
	want := "WARNING: Skipping delete of backup 20261125T152856 for server pg due to minimum redundancy requirements " +
		"(minimum redundancy = 2, current redundancy = 2)\nERROR: Cannot delete backup (pg 20261125T152856)\n"
	if code != 1 || errs != want || !c.exists("pg/base/"+newest34) {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
}

// A backup still being taken (the oldest, STARTED, the server's backup
// lock held) is not deleted; once the lock is free it may be.
func TestDeleteRunningBackup(t *testing.T) {
	c := newCat34(t, false, nil)
	xlogdb := c.read("pg/wals/xlog.db")
	l := catalog.NewLayout(c.home, "pg", catalog.Dirs{})
	b := catalog.NewBackupInfo("20261125T150000", "pg", "postgres")
	b.SetStatus(catalog.StatusStarted)
	if err := l.WriteBackupInfo(b); err != nil {
		t.Fatal(err)
	}
	lk, err := lock.Acquire(context.Background(), lock.File(c.home, "pg", "backup"), "backup", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, errs, code := c.run("delete", "pg", b.ID)
	lk.Unlock()
	if code != 1 || errs != "ERROR: Cannot delete a running backup (pg 20261125T150000)\nERROR: Cannot delete backup (pg 20261125T150000)\n" {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
	out, errs, code := c.run("delete", "pg", b.ID)
	if code != 0 || errs != "" || c.exists("pg/base/"+b.ID) {
		t.Errorf("exit %d: %s%s", code, out, errs)
	}
	// It was the oldest: WAL files before the next backup's begin_wal go,
	// and there are none.
	if !strings.Contains(out, "Delete associated WAL segments:\nDeleted backup") || c.read("pg/wals/xlog.db") != xlogdb {
		t.Errorf("WAL files removed:\n%s", out)
	}
}

var startTime = regexp.MustCompile(`\(start time: [^,]+, elapsed time: less than one second\)`)

// Deleting the newest backup removes no WAL: an older one needs them.
func TestDeleteNewest(t *testing.T) {
	c := newCat34(t, false, nil)
	xlogdb := c.read("pg/wals/xlog.db")
	out, errs, code := c.run("delete", "pg", "latest")
	want := "Deleting backup 20261125T152856 for server pg\nDeleted backup 20261125T152856 (start time: X, elapsed time: less than one second)\n"
	if got := startTime.ReplaceAllString(out, "(start time: X, elapsed time: less than one second)"); code != 0 || errs != "" || got != want {
		t.Errorf("exit %d, stderr %s, stdout:\n%s", code, errs, out)
	}
	ents, _ := os.ReadDir(filepath.Join(c.home, "pg", "base"))
	if len(ents) != 1 || ents[0].Name() != oldest34 {
		t.Errorf("base/ holds %v", ents)
	}
	if c.read("pg/wals/xlog.db") != xlogdb {
		t.Error("xlog.db changed")
	}
	if c.exists(".pg-20261125T152856.lock") || c.exists(".pg-20261125T152856-recover.lock") {
		t.Error("the deleted backup's lock files are left")
	}
	// The oldest backup now owns every WAL file after it.
	out, _, _ = c.run("list-backup", "pg")
	if want := "pg 20261125T152849 - Wed Nov 25 15:28:50 2026 - Size: 37.7 MiB - WAL Size: 1.4 MiB (tablespaces: tbs1:/tmp/barman34-sample.5iaAK9/tblspc)\n"; out != want {
		t.Errorf("list-backup after delete:\n%s", out)
	}
	// What Barman 3.4 showed after the same delete.
	out, _, _ = c.run("show-backup", "pg", "oldest")
	want = "  WAL information:\n    No of files          : 5\n    Disk usage           : 1.4 MiB\n    WAL rate             : 1275.34/hour\n" +
		"    Compression ratio    : 98.19%\n    Last available       : 00000001000000000000000C\n"
	if !strings.Contains(out, want) {
		t.Errorf("show-backup after delete:\n%s", out)
	}
}

// Deleting the oldest backup (its keep annotation removed) does what
// Barman 3.4 did: the same messages, the same xlog.db, the same files
// removed, the same hook environment.
func TestDeleteOldestBarman34(t *testing.T) {
	dir := t.TempDir()
	hooks := "pre_delete_script = env | grep ^BARMAN_ | sort > " + dir + "/pre.env\n" +
		"post_delete_script = env | grep ^BARMAN_ | sort > " + dir + "/post.env\n" +
		"post_wal_delete_script = echo $BARMAN_SEGMENT $BARMAN_FILE $BARMAN_SIZE $BARMAN_TIMESTAMP $BARMAN_COMPRESSION >> " + dir + "/wal.env\n"
	c := newCat34(t, true, map[string]string{"pg": hooks})
	os.Remove(filepath.Join(c.home, "pg", "base", oldest34, "annotations", "keep"))

	out, errs, code := c.run("delete", "pg", "oldest")
	want := startTime.ReplaceAllString(c.golden("delete-20261125T152849.txt"), "X")
	if got := startTime.ReplaceAllString(out, "X"); code != 0 || errs != "" || got != want {
		t.Errorf("exit %d, stderr %s, stdout:\n%s\nwant:\n%s", code, errs, out, want)
	}
	if got := c.read("pg/wals/xlog.db"); got != c.golden("xlog.db-after-delete-20261125T152849") {
		t.Errorf("xlog.db:\n%s", got)
	}
	for _, line := range strings.Split(want, "\n") {
		if name, ok := strings.CutPrefix(line, "\t"); ok && c.exists("pg/wals/0000000100000000/"+name) {
			t.Errorf("%s not removed", name)
		}
	}
	if c.exists("pg/base/"+oldest34) || !c.exists("pg/wals/0000000100000000/00000001000000000000000B") || !c.exists("pg/wals/00000002.history") {
		t.Error("wrong files removed")
	}
	checkHookEnv(t, c, dir)
}

func checkHookEnv(t *testing.T, c *cat34, dir string) {
	t.Helper()
	read := func(name string) []string {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		text := strings.ReplaceAll(strings.ReplaceAll(string(data), c.conf, "CONF"), c.home, "HOME")
		return slices.DeleteFunc(strings.Split(strings.TrimSpace(text), "\n"), func(l string) bool { return strings.HasPrefix(l, "BARMAN_VERSION=") })
	}
	golden := func(name string) []string {
		data, _ := os.ReadFile(filepath.Join(cat34Golden, name))
		return slices.DeleteFunc(strings.Split(strings.TrimSpace(string(data)), "\n"), func(l string) bool { return strings.HasPrefix(l, "BARMAN_VERSION=") })
	}
	// Ours adds BARMAN_BACKUP_INFO_PATH (Barman 3.17 gives it), and the
	// post script sees the neighbours the backup had (3.4 gives none).
	info := "BARMAN_BACKUP_INFO_PATH=HOME/pg/base/20261125T152849/backup.info"
	wantPre := append(golden("delete-20261125T152849-pre.env"), info)
	slices.Sort(wantPre)
	if got := read("pre.env"); !slices.Equal(got, wantPre) {
		t.Errorf("pre env:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantPre, "\n"))
	}
	wantPost := append(golden("delete-20261125T152849-post.env"), info)
	wantPost[slices.Index(wantPost, "BARMAN_NEXT_ID=")] = "BARMAN_NEXT_ID=20261125T152856"
	slices.Sort(wantPost)
	if got := read("post.env"); !slices.Equal(got, wantPost) {
		t.Errorf("post env:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantPost, "\n"))
	}
	if got, want := read("wal.env"), golden("delete-20261125T152849-wal-delete.txt"); !slices.Equal(got, want) {
		t.Errorf("wal_delete env:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// lockProbe is a hook script that records whether the server's xlogdb
// lock is free while it runs (flock -n: 0 free, 1 held), with its phase
// and hook, in probe.
func lockProbe(home, probe string) string {
	return "flock -n " + lock.File(home, "pg", "xlogdb") + " true; echo $? $BARMAN_PHASE $BARMAN_HOOK >> " + probe + "\n"
}

// The delete hook scripts run without the xlogdb lock: the archiver,
// which needs it to catalogue what arrives, is not stalled by a slow
// hook. Pre before the removal, post after, wal_delete around each file,
// as before.
func TestDeleteHooksWithoutXlogDBLock(t *testing.T) {
	probe := filepath.Join(t.TempDir(), "probe")
	c := newCat34(t, true, nil)
	var hooks string
	for _, h := range []string{"pre_delete_script", "post_delete_script", "pre_wal_delete_script", "post_wal_delete_script"} {
		hooks += h + " = " + lockProbe(c.home, probe)
	}
	c.addConfig("pg", hooks)
	os.Remove(filepath.Join(c.home, "pg", "base", oldest34, "annotations", "keep"))
	out, errs, code := c.run("delete", "pg", "oldest")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %s, stdout:\n%s", code, errs, out)
	}
	data, err := os.ReadFile(probe)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	var wals int
	for _, l := range lines {
		if strings.HasSuffix(l, "wal_delete_script") {
			wals++
		}
		if !strings.HasPrefix(l, "0 ") {
			t.Errorf("xlogdb lock held while a hook script ran: %s", l)
		}
	}
	if first, last := lines[0], lines[len(lines)-1]; first != "0 pre delete_script" || last != "0 post delete_script" || wals == 0 || wals%2 != 0 {
		t.Errorf("hook scripts ran:\n%s", data)
	}
}

// addConfig adds lines to server's section of the configuration file.
func (c *cat34) addConfig(server, lines string) {
	c.t.Helper()
	data, err := os.ReadFile(c.conf)
	if err != nil {
		c.t.Fatal(err)
	}
	head := "[" + server + "]\n"
	text, n := string(data), strings.Count(string(data), head)
	if n != 1 {
		c.t.Fatalf("%s has %d sections %s", c.conf, n, server)
	}
	if err := os.WriteFile(c.conf, []byte(strings.Replace(text, head, head+lines, 1)), 0o644); err != nil {
		c.t.Fatal(err)
	}
}

// The purge of the WAL files before a server's first backup runs its
// wal_delete hook scripts without the xlogdb lock too.
func TestPurgeBeforeHooksWithoutXlogDBLock(t *testing.T) {
	probe := filepath.Join(t.TempDir(), "probe")
	c := newCat34(t, false, nil)
	c.addConfig("pg", "pre_wal_delete_script = "+lockProbe(c.home, probe)+"post_wal_delete_script = "+lockProbe(c.home, probe))
	var stdout, stderr strings.Builder
	env, err := newEnv(context.Background(), &Globals{Config: c.conf, Format: "console"}, strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(env.Cfg, env.Cfg.Server("pg"))
	if err != nil {
		t.Fatal(err)
	}
	cat, err := backups.Load(s.Layout)
	if err != nil {
		t.Fatal(err)
	}
	names, err := env.Remover(s).PurgeBefore(env.Ctx, cat.Get(newest34))
	if err != nil || len(names) == 0 {
		t.Fatalf("purged %v: %v; stderr %s", names, err, stderr.String())
	}
	data, _ := os.ReadFile(probe)
	if got, want := strings.Count(string(data), "0 "), 2*len(names); got != want || strings.Contains(string(data), "1 ") {
		t.Errorf("%d of %d hook scripts ran with the xlogdb lock free:\n%s", got, want, data)
	}
}
