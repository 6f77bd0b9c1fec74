package backupjob

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/check"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/server"
)

// testServer builds server pg of a configuration with extra settings.
func testServer(t *testing.T, extra string) *server.Server {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "/home\nbarman_lock_directory = " + dir + "/home\n[pg]\nconninfo = host=pg\n" + extra
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg, cfg.Server("pg"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ptr[T any](v T) *T { return &v }

func TestOptions(t *testing.T) {
	s := testServer(t, "immediate_checkpoint = true\nbandwidth_limit = 400\nparallel_jobs = 3\nreuse_backup = link\n"+
		"basebackup_retry_times = 2\nbasebackup_retry_sleep = 5\nkeepalive_interval = 7")
	for _, tc := range []struct {
		name           string
		o              Options
		immediate      bool
		bwlimit, jobs  int
		reuse          string
		times          int
		sleep, keepalv time.Duration
	}{
		{"the server's settings", Options{}, true, 400, 3, "link", 2, 5 * time.Second, 7 * time.Second},
		{"overrides", Options{Checkpoint: CheckpointSpread, Bwlimit: 100, Jobs: 1, Reuse: "off", RetryTimes: ptr(1),
			RetrySleep: ptr(time.Duration(0)), Keepalive: ptr(time.Duration(0))}, false, 100, 1, "off", 1, 0, 0},
		{"immediate forced", Options{Checkpoint: CheckpointImmediate}, true, 400, 3, "link", 2, 5 * time.Second, 7 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			times, sleep := tc.o.retries(s)
			if tc.o.immediate(s) != tc.immediate || tc.o.bwlimit(s) != tc.bwlimit || tc.o.jobs(s) != tc.jobs ||
				tc.o.reuse(s) != tc.reuse || times != tc.times || sleep != tc.sleep || tc.o.keepalive(s) != tc.keepalv {
				t.Errorf("immediate %v bwlimit %d jobs %d reuse %q retries %d/%s keepalive %s", tc.o.immediate(s), tc.o.bwlimit(s),
					tc.o.jobs(s), tc.o.reuse(s), times, sleep, tc.o.keepalive(s))
			}
		})
	}
}

func TestMode(t *testing.T) {
	for method, want := range map[string]string{"rsync": "rsync-concurrent", "local-rsync": "local-rsync-concurrent", "postgres": "postgres"} {
		if got := Mode(testServer(t, "backup_method = "+method)); got != want {
			t.Errorf("%s: mode %q, want %q", method, got, want)
		}
	}
}

func TestPreflight(t *testing.T) {
	s := testServer(t, "")
	for _, tc := range []struct {
		name    string
		results []check.Result
		want    string // "" for no error
	}{
		{"all OK", []check.Result{{Name: "PostgreSQL", OK: true, Critical: true}}, ""},
		{"a non-critical failure", []check.Result{{Name: "backup maximum age", Hint: "too old"}}, ""},
		{"a critical failure", []check.Result{{Name: "ssh", Hint: "cannot connect", Critical: true}, {Name: "PostgreSQL", OK: true, Critical: true}},
			"impossible to start the backup: ssh (cannot connect); run 'barman check pg'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := &Job{Server: s, Report: report.Discard, Checks: func(context.Context) []check.Result { return tc.results }}
			err := j.Preflight(context.Background())
			if (err == nil) != (tc.want == "") || err != nil && err.Error() != tc.want {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// A second job of the same server cannot take the backup lock.
func TestLockOneBackupAtATime(t *testing.T) {
	s := testServer(t, "")
	j := &Job{Server: s, Report: report.Discard}
	lk, err := j.Lock(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Unlock()
	if _, err := j.Lock(context.Background()); err == nil || !strings.Contains(err.Error(), "another backup process is running for server pg") {
		t.Errorf("second lock: %v", err)
	}
}

// Begin marks FAILED what a dead process left STARTED or EMPTY, keeps the
// newest copied backup as the previous one, and creates the new backup
// EMPTY with its name.
func TestBegin(t *testing.T) {
	s := testServer(t, "")
	l := s.Layout
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	for id, st := range map[string]catalog.Status{"20200101T000000": catalog.StatusDone, "20200102T000000": catalog.StatusStarted, "20200103T000000": catalog.StatusEmpty} {
		b := catalog.NewBackupInfo(id, "pg", "rsync-concurrent")
		b.SetStatus(st)
		os.MkdirAll(l.BackupPath(id), 0o755)
		if err := l.WriteBackupInfo(b); err != nil {
			t.Fatal(err)
		}
	}
	var rec report.Recorder
	j := &Job{Server: s, Report: &rec, Options: Options{Name: "nightly"}}
	b, err := j.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"20200102T000000", "20200103T000000"} {
		if old, _ := l.ReadBackupInfo(id); old.Status() != catalog.StatusFailed {
			t.Errorf("%s left %s, want FAILED", id, old.Status())
		}
	}
	saved, err := l.ReadBackupInfo(b.Info.ID)
	if err != nil || saved.Status() != catalog.StatusEmpty || saved.BackupName() != "nightly" || b.prev == nil || b.prev.ID != "20200101T000000" {
		t.Fatalf("new backup %v %v, previous %v", saved, err, b.prev)
	}
	if env := b.hookEnv(); env["BARMAN_PREVIOUS_ID"] != "20200101T000000" || env["BARMAN_STATUS"] != "EMPTY" || env["BARMAN_BACKUP_DIR"] != l.BackupPath(b.Info.ID) {
		t.Errorf("hook environment %v", env)
	}
	if len(rec.Messages) != 3 || rec.Messages[0].Level != "warning" || !strings.HasPrefix(rec.Messages[2].Text, "Starting backup using rsync-concurrent method for server pg in ") {
		t.Errorf("messages %v", rec.Messages)
	}
}

func TestCopyIntoRefusesAFullDirectory(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x"), nil, 0o600)
	j := &Job{Server: testServer(t, ""), Report: report.Discard}
	if _, err := j.CopyInto(context.Background(), dir); err == nil || !strings.Contains(err.Error(), "is not empty") {
		t.Errorf("CopyInto a full directory: %v", err)
	}
}

func TestMaxRate(t *testing.T) {
	for in, want := range map[int]int{0: 0, -1: 0, 1: 32, 500: 500, 2000000: 1048576} {
		if got := maxRate(in); got != want {
			t.Errorf("maxRate(%d) = %d, want %d", in, got, want)
		}
	}
}

func TestSameFileSystem(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{dir, filepath.Dir(dir), true},
		{dir, "/proc", false}, // procfs: never the temporary directory's
		{dir, filepath.Join(dir, "missing"), false},
	} {
		if got := sameFileSystem(tc.a, tc.b); got != tc.want {
			t.Errorf("sameFileSystem(%s, %s) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
