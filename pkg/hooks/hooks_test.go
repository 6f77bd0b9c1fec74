package hooks

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

type scripts map[string]string

func (s scripts) Get(k string) string { return s[k] }

func TestOrderAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "log")
	rec := func(tag string) string {
		return `echo "` + tag + ` $BARMAN_PHASE $BARMAN_HOOK $BARMAN_RETRY $BARMAN_SERVER $BARMAN_SEGMENT [$BARMAN_ERROR]" >> ` + log
	}
	r := &Runner{Server: "main", ConfigFile: "/etc/barman.conf", Version: "1.0", Scripts: scripts{
		"pre_archive_script": rec("pre"), "pre_archive_retry_script": rec("preretry"),
		"post_archive_retry_script": rec("postretry"), "post_archive_script": rec("post") + "; exit 5",
	}}
	env := map[string]string{"BARMAN_SEGMENT": "000000010000000000000001"}
	if err := r.Pre(context.Background(), "archive", env); err != nil {
		t.Fatal(err)
	}
	r.Post(context.Background(), "archive", env, "disk full")
	got, _ := os.ReadFile(log)
	want := "pre pre archive_script 0 main 000000010000000000000001 []\n" +
		"preretry pre archive_retry_script 1 main 000000010000000000000001 []\n" +
		"postretry post archive_retry_script 1 main 000000010000000000000001 [disk full]\n" +
		"post post archive_script 0 main 000000010000000000000001 [disk full]\n"
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestRetryCodes(t *testing.T) {
	dir := t.TempDir()
	count := filepath.Join(dir, "n")
	// Fails twice with 1, then exits with the code in $FINAL.
	script := `n=$(cat ` + count + ` 2>/dev/null || echo 0); n=$((n+1)); echo $n > ` + count + `; [ $n -ge 3 ] && exit $FINAL; exit 1`
	for _, c := range []struct {
		final string
		err   error
	}{{"0", nil}, {"62", nil}, {"63", ErrAbortStop}} {
		os.Remove(count)
		var waits []time.Duration
		r := &Runner{Server: "s", Scripts: scripts{"pre_backup_retry_script": script},
			Sleep: func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }}
		t.Setenv("FINAL", c.final)
		err := r.Pre(context.Background(), "backup", nil)
		if !errors.Is(err, c.err) {
			t.Errorf("final %s: err %v, want %v", c.final, err, c.err)
		}
		if len(waits) != 2 || waits[0] != 3*time.Second {
			t.Errorf("waits %v", waits)
		}
		n, _ := os.ReadFile(count)
		if strings.TrimSpace(string(n)) != "3" {
			t.Errorf("ran %s times", n)
		}
	}
}

func TestRetryStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Runner{Server: "s", Scripts: scripts{"pre_backup_retry_script": "exit 1"},
		Sleep: func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }}
	if err := r.Pre(ctx, "backup", nil); err == nil || errors.Is(err, ErrAbortStop) {
		t.Errorf("err = %v", err)
	}
}
