package barman

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/lock"
)

// fakeBackup is a backup of a synthetic catalogue.
type fakeBackup struct {
	age    time.Duration // it ended this long ago
	status catalog.Status
	keep   string
	tli    int // 1 or 2
}

// fakeServer writes, under home, a catalogue of server pg: the backups
// (oldest first), each spanning two WAL segments, and an archive of every
// segment from the first backup's on, with the backups' .backup files; a
// backup on timeline 2 makes the archive switch to timeline 2 there (with
// 00000002.history). WAL files are small real files. The backup.info
// files are Barman 3.4's sample's, with new IDs, times and WAL.
func fakeServer(t *testing.T, home string, now time.Time, list []fakeBackup) {
	t.Helper()
	tmpl, err := catalog.ReadBackupInfo(filepath.Join(cat34Sample, "pg/base/20261125T152856/backup.info"))
	if err != nil {
		t.Fatal(err)
	}
	l := catalog.NewLayout(home, "pg", catalog.Dirs{})
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	seg := func(tli, n int) string { return fmt.Sprintf("%08X%08X%08X", tli, 0, n) }
	var entries []catalog.WALEntry
	add := func(name string, when time.Time) {
		entries = append(entries, catalog.WALEntry{Name: name, Size: 1000, Time: catalog.MtimeSeconds(when), Compression: "gzip"})
		p := l.WALPath(name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, tli := 2, 1
	add(seg(1, 1), now.Add(-list[0].age-2*time.Hour))
	for i, fb := range list {
		end := now.Add(-fb.age)
		begin := end.Add(-time.Minute)
		if fb.tli > tli {
			tli = fb.tli
			add(fmt.Sprintf("%08X.history", tli), begin)
		}
		b := tmpl.Clone()
		b.ID = begin.Format("20060102T150405")
		b.SetString("backup_id", b.ID)
		b.Delete(catalog.KeyBackupName)
		b.SetStatus(catalog.StatusDone)
		b.SetString("begin_wal", seg(tli, n))
		b.SetString("end_wal", seg(tli, n+1))
		b.SetInt("timeline", int64(tli))
		b.SetTime("begin_time", begin)
		b.SetTime("end_time", end)
		if err := os.MkdirAll(l.BackupPath(b.ID), 0o755); err != nil {
			t.Fatal(err)
		}
		add(seg(tli, n), begin)
		add(seg(tli, n)+".00000028.backup", end)
		add(seg(tli, n+1), end)
		add(seg(tli, n+2), end.Add(time.Minute))
		n += 3
		if fb.keep != "" {
			cat := &backups.Catalogue{Layout: l, Server: "pg"}
			if err := cat.SetKeep(b, fb.keep); err != nil {
				t.Fatal(err)
			}
		}
		if fb.status != "" {
			b.SetStatus(fb.status)
		}
		if err := l.WriteBackupInfo(b); err != nil {
			t.Fatal(err)
		}
		if i == len(list)-1 {
			add(seg(tli, n), now)
		}
	}
	if err := l.WriteXlogDB(entries); err != nil {
		t.Fatal(err)
	}
}

// retentionPair is the same synthetic catalogue twice: one for Debian's
// Barman 3.4, one for us, with the same settings.
type retentionPair struct {
	t        *testing.T
	ours     *cat34
	theirs   string // Barman 3.4's configuration file
	homeThem string
}

func newRetentionPair(t *testing.T, settings string, list []fakeBackup) *retentionPair {
	t.Helper()
	t.Setenv("TZ", "UTC")
	p := &retentionPair{t: t}
	dir := t.TempDir()
	p.ours = &cat34{t: t, home: filepath.Join(dir, "ours"), conf: filepath.Join(dir, "ours.conf")}
	p.homeThem, p.theirs = filepath.Join(dir, "theirs"), filepath.Join(dir, "theirs.conf")
	now := time.Now().Round(time.Second)
	for home, conf := range map[string]string{p.ours.home: p.ours.conf, p.homeThem: p.theirs} {
		fakeServer(t, home, now, list)
		text := "[barman]\nbarman_home = " + home + "\nbarman_user = root\nlog_file = " + home + ".log\n" +
			"[pg]\nconninfo = host=127.0.0.1 port=1\nbackup_method = postgres\narchiver = on\n" + settings
		if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// barman34 runs Debian's Barman 3.4 and waits for the archiver it starts
// in the background.
func (p *retentionPair) barman34(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("/usr/bin/barman", append([]string{"-c", p.theirs}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("barman 3.4 %v: %v\n%s", args, err, out)
	}
	p.waitBarman34()
	return string(out)
}

// waitBarman34 waits until no process runs with Barman 3.4's
// configuration of the pair: its cron starts archive-wal in the
// background, which writes into its barman_home after cron has exited
// (waiting for its archive-wal lock missed a child that had not taken it
// yet, and the test's temporary directory was then not empty at cleanup).
// A child forked by cron carries the configuration's path in its command
// line from the fork on.
func (p *retentionPair) waitBarman34() {
	p.t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		pids := processesWith(p.theirs)
		if len(pids) == 0 {
			return
		}
		select {
		case <-deadline:
			p.t.Fatalf("Barman 3.4 processes %v still run with %s after a minute", pids, p.theirs)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// processesWith lists the processes whose command line has the word arg.
func processesWith(arg string) []string {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var pids []string
	for _, c := range procs {
		data, err := os.ReadFile(c)
		if err != nil {
			continue
		}
		for _, w := range strings.Split(string(data), "\x00") {
			if w == arg {
				pids = append(pids, filepath.Base(filepath.Dir(c)))
				break
			}
		}
	}
	return pids
}

var elapsed = regexp.MustCompile(`\(start time: [^)]*\)`)

// removalLines keeps the lines of cron's output about removing backups,
// without their times.
func removalLines(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Enforcing") || strings.HasPrefix(l, "Deleting") || strings.HasPrefix(l, "Delete associated") ||
			strings.HasPrefix(l, "\t0") || strings.HasPrefix(l, "Deleted backup") || strings.Contains(l, "Skipping") {
			lines = append(lines, elapsed.ReplaceAllString(strings.TrimPrefix(l, "WARNING: "), "(...)"))
		}
	}
	return lines
}

// tree lists the backups and WAL files under a barman_home.
func tree(t *testing.T, home string) []string {
	var out []string
	filepath.WalkDir(filepath.Join(home, "pg"), func(p string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(home, p)
		if err == nil && !d.IsDir() && !strings.HasSuffix(p, ".lock") {
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// TestRetentionLikeBarman34: on the same catalogues, list-backup shows
// the retention statuses Debian's Barman 3.4 shows, and cron removes the
// same backups and WAL files with the same messages, leaving the same
// xlog.db; the dry run, run first, announced exactly what cron removed.
func TestRetentionLikeBarman34(t *testing.T) {
	pgtest.Require(t, "Debian's barman 3.4", "/usr/bin/barman")
	D, F := catalog.StatusDone, catalog.StatusFailed
	day := 24 * time.Hour
	for _, tc := range []struct {
		name     string
		settings string
		backups  []fakeBackup
		removed  int
	}{
		{"redundancy 2, a failed backup, the oldest kept standalone", "retention_policy = REDUNDANCY 2\nminimum_redundancy = 1\n",
			[]fakeBackup{{50 * day, D, "standalone", 1}, {40 * day, D, "", 1}, {30 * day, D, "", 1}, {20 * day, F, "", 1}, {10 * day, D, "", 1}, {day, D, "", 1}}, 2},
		{"redundancy 1, the oldest kept full", "retention_policy = REDUNDANCY 1\n",
			[]fakeBackup{{30 * day, D, "full", 1}, {20 * day, D, "", 1}, {10 * day, D, "", 1}, {day, D, "", 1}}, 2},
		{"recovery window, minimum redundancy", "retention_policy = RECOVERY WINDOW OF 7 DAYS\nminimum_redundancy = 3\n",
			[]fakeBackup{{40 * day, D, "", 1}, {30 * day, D, "", 1}, {20 * day, D, "", 1}, {10 * day, D, "", 1}, {3 * day, D, "", 1}, {day, D, "", 1}}, 3},
		{"recovery window, OBSOLETE* kept for minimum redundancy", "retention_policy = RECOVERY WINDOW OF 7 DAYS\nminimum_redundancy = 4\n",
			[]fakeBackup{{40 * day, D, "", 1}, {30 * day, D, "", 1}, {20 * day, D, "", 1}, {10 * day, D, "", 1}, {3 * day, D, "", 1}, {day, D, "", 1}}, 2},
		{"recovery window keeps the backup before it", "retention_policy = RECOVERY WINDOW OF 2 WEEKS\n",
			[]fakeBackup{{40 * day, D, "", 1}, {30 * day, D, "", 1}, {20 * day, D, "", 1}, {10 * day, D, "", 1}}, 2},
		{"timeline switch", "retention_policy = REDUNDANCY 2\n",
			[]fakeBackup{{40 * day, D, "", 1}, {30 * day, D, "", 1}, {20 * day, D, "", 2}, {10 * day, D, "", 2}, {day, D, "", 2}}, 3},
		{"redundancy below the minimum", "retention_policy = REDUNDANCY 1\nminimum_redundancy = 3\n",
			[]fakeBackup{{40 * day, D, "", 1}, {30 * day, D, "", 1}, {20 * day, D, "", 1}, {10 * day, D, "", 1}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newRetentionPair(t, tc.settings, tc.backups)
			ours, errs, code := p.ours.run("list-backup", "pg")
			if theirs := p.barman34("list-backup", "pg"); code != 0 || ours != theirs {
				t.Fatalf("list-backup (exit %d, %s):\n%s\nBarman 3.4:\n%s", code, errs, ours, theirs)
			}
			if strings.Contains(tc.name, "OBSOLETE*") && !strings.Contains(ours, " - OBSOLETE*\n") {
				t.Fatalf("no OBSOLETE* backup:\n%s", ours)
			}
			dry, errs, code := p.ours.run("-f", "json", "cron", "--dry-run")
			if code != 0 {
				t.Fatalf("cron --dry-run: exit %d\n%s%s", code, dry, errs)
			}
			before := tree(t, p.ours.home)
			ours, errs, code = p.ours.run("cron")
			theirs := p.barman34("cron")
			if code != 0 || !slices.Equal(removalLines(ours), removalLines(theirs)) {
				t.Fatalf("cron (exit %d, %s):\n%s\nBarman 3.4:\n%s", code, errs, ours, theirs)
			}
			if n := strings.Count(ours, "Deleted backup"); n != tc.removed {
				t.Errorf("%d backups removed, want %d:\n%s", n, tc.removed, ours)
			}
			if a, b := p.ours.read("pg/wals/xlog.db"), readFile(t, filepath.Join(p.homeThem, "pg/wals/xlog.db")); a != b {
				t.Errorf("xlog.db:\n%s\nBarman 3.4:\n%s", a, b)
			}
			after := tree(t, p.ours.home)
			if a, b := after, tree(t, p.homeThem); !slices.Equal(a, b) {
				t.Errorf("files left:\n%s\nBarman 3.4:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
			}
			checkDryRun(t, dry, before, after)
		})
	}
}

func readFile(t *testing.T, p string) string {
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// checkDryRun: the backups and WAL files the dry run announced are
// exactly those cron removed.
func checkDryRun(t *testing.T, dry string, before, after []string) {
	t.Helper()
	var doc struct {
		PG struct {
			Remove []struct {
				BackupID string   `json:"backup_id"`
				Skipped  string   `json:"skipped"`
				WALFiles []string `json:"wal_files"`
			} `json:"remove"`
		} `json:"pg"`
	}
	if err := json.Unmarshal([]byte(dry), &doc); err != nil {
		t.Fatalf("cron --dry-run -f json: %v\n%s", err, dry)
	}
	var announced []string
	for _, r := range doc.PG.Remove {
		if r.Skipped != "" {
			continue
		}
		announced = append(announced, "base/"+r.BackupID)
		for _, w := range r.WALFiles {
			announced = append(announced, "wals/"+w)
		}
	}
	var gone []string
	for _, f := range before {
		if slices.Contains(after, f) {
			continue
		}
		parts := strings.Split(f, "/") // pg/base/ID/... or pg/wals/HASH/NAME
		switch {
		case parts[1] == "base" && !slices.Contains(gone, "base/"+parts[2]):
			gone = append(gone, "base/"+parts[2])
		case parts[1] == "wals":
			gone = append(gone, "wals/"+parts[len(parts)-1])
		}
	}
	slices.Sort(announced)
	slices.Sort(gone)
	if !slices.Equal(announced, gone) {
		t.Errorf("the dry run announced:\n%s\ncron removed:\n%s", strings.Join(announced, "\n"), strings.Join(gone, "\n"))
	}
}

// cron skips an obsolete backup that is being recovered from (its recover
// lock is held), with a warning and exit 0, removes the others, and
// removes the skipped one at the next run. The delete hook scripts run
// around each removal with the backup's environment.
func TestRetentionSkipsBackupBeingRecovered(t *testing.T) {
	D := catalog.StatusDone
	day := 24 * time.Hour
	dir := t.TempDir()
	hooks := "pre_delete_script = echo pre $BARMAN_BACKUP_ID $BARMAN_STATUS $BARMAN_NEXT_ID >> " + dir + "/hooks\n" +
		"post_delete_retry_script = echo post $BARMAN_BACKUP_ID \"$BARMAN_ERROR\" >> " + dir + "/hooks\n"
	p := newRetentionPair(t, "retention_policy = REDUNDANCY 1\n"+hooks, []fakeBackup{{30 * day, D, "", 1}, {20 * day, D, "", 1}, {day, D, "", 1}})
	c := p.ours
	cat, err := backups.Load(catalog.NewLayout(c.home, "pg", catalog.Dirs{}))
	if err != nil {
		t.Fatal(err)
	}
	first, second, third := cat.Backups[0].ID, cat.Backups[1].ID, cat.Backups[2].ID
	lk, err := lock.Acquire(context.Background(), backups.RecoverLockFile(c.home, "pg", second), "recover", 0)
	if err != nil {
		t.Fatal(err)
	}
	out, errs, code := c.run("cron")
	lk.Unlock()
	want := "WARNING: Skipping delete of backup " + second + " of server pg: a recovery from it is running. The retention policy removes it at a later run.\n"
	if code != 0 || errs != want || !strings.Contains(out, "Deleted backup "+first) || strings.Contains(out, "Deleted backup "+second) {
		t.Fatalf("cron while a recovery runs: exit %d\n%s%s", code, out, errs)
	}
	out, errs, code = c.run("cron")
	if code != 0 || errs != "" || !strings.Contains(out, "Deleted backup "+second) {
		t.Fatalf("next cron: exit %d\n%s%s", code, out, errs)
	}
	if ents, _ := os.ReadDir(filepath.Join(c.home, "pg", "base")); len(ents) != 1 || ents[0].Name() != third {
		t.Errorf("base/ holds %v", ents)
	}
	got := readFile(t, filepath.Join(dir, "hooks"))
	wantHooks := "pre " + first + " DONE " + second + "\npost " + first + " \n" +
		"pre " + second + " DONE " + third + "\npost " + second + " \n"
	if got != wantHooks {
		t.Errorf("hook runs:\n%s\nwant:\n%s", got, wantHooks)
	}
}

// With a policy, delete still refuses to go below minimum_redundancy.
func TestDeleteBelowMinimumRedundancyWithPolicy(t *testing.T) {
	D := catalog.StatusDone
	p := newRetentionPair(t, "retention_policy = REDUNDANCY 1\nminimum_redundancy = 2\n", []fakeBackup{{48 * time.Hour, D, "", 1}, {24 * time.Hour, D, "", 1}})
	_, errs, code := p.ours.run("delete", "pg", "oldest")
	if code != 1 || !strings.Contains(errs, "due to minimum redundancy requirements (minimum redundancy = 2, current redundancy = 2)") {
		t.Errorf("exit %d: %s", code, errs)
	}
	out, errs, code := p.ours.run("cron")
	if code != 0 || strings.Contains(out, "Deleted backup") {
		t.Errorf("cron removed a backup below minimum_redundancy: exit %d\n%s%s", code, out, errs)
	}
}
