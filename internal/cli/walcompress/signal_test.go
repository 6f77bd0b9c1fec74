package walcompress

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary run as barman-wal-compress, for the tests
// that need a process of its own (signals).
func TestMain(m *testing.M) {
	if os.Getenv("WALCOMPRESS_TEST_MAIN") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// TestInterrupt: SIGTERM during a compression stops the run with status
// 130, kills the filter instead of waiting for it, leaves no temporary
// file and still writes the summary. The filter writes its pid, then
// sleeps for an hour: the signal comes once the filter runs (so the
// temporary file exists), and the filter must be gone when the run ends.
func TestInterrupt(t *testing.T) {
	a := newArchive(t)
	rec := a.add("00000001000000000000000C", walData(1<<20, 12))
	pidFile := filepath.Join(t.TempDir(), "filter.pid")
	filter := fmt.Sprintf("echo $$ >%[1]s.tmp && mv %[1]s.tmp %[1]s && exec sleep 3600", pidFile)
	cmd := exec.Command(os.Args[0], "--records", "-c", "custom", "--custom-compression-filter", filter)
	cmd.Env = append(os.Environ(), "WALCOMPRESS_TEST_MAIN=1")
	cmd.Stdin = bytes.NewReader(encode(t, rec))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	var err error
	go func() { err = cmd.Wait(); close(exited) }()
	pid := waitPID(t, pidFile, exited)
	if n := tmpFiles(filepath.Dir(rec.Dest)); n != 1 {
		t.Fatalf("%d temporary files while the filter runs, want 1", n)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	<-exited
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d (%v), stderr %s", code, err, stderr.String())
	}
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the filter (pid %d) outlived the run: %v", pid, err)
	}
	if n := tmpFiles(filepath.Dir(rec.Dest)); n != 0 {
		t.Errorf("%d temporary files left", n)
	}
	if !strings.Contains(stdout.String(), `"exit_status":130`) || strings.Contains(stdout.String(), `"type":"error"`) {
		t.Errorf("stdout: %s", stdout.String())
	}
}

// waitPID returns the pid written in path, once it is there; it fails the
// test if exited is closed first.
func waitPID(t *testing.T, path string, exited <-chan struct{}) int {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if b, err := os.ReadFile(path); err == nil {
			pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			return pid
		}
		select {
		case <-exited:
			t.Fatal("the run ended before its filter started")
		case <-tick.C:
		}
	}
}

func tmpFiles(dir string) int {
	entries, _ := os.ReadDir(dir)
	return len(entries)
}
