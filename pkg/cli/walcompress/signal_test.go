package walcompress

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
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
// 130, leaves no temporary file and still writes the summary.
func TestInterrupt(t *testing.T) {
	a := newArchive(t)
	rec := a.add("00000001000000000000000C", walData(1<<20, 12))
	cmd := exec.Command(os.Args[0], "--records", "-c", "custom", "--custom-compression-filter", "sleep 30")
	cmd.Env = append(os.Environ(), "WALCOMPRESS_TEST_MAIN=1")
	cmd.Stdin = bytes.NewReader(encode(t, rec))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for tmpFiles(filepath.Dir(rec.Dest)) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	err := cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Fatalf("exit %d (%v), stderr %s", code, err, stderr.String())
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
	if n := tmpFiles(filepath.Dir(rec.Dest)); n != 0 {
		t.Errorf("%d temporary files left", n)
	}
	if !strings.Contains(stdout.String(), `"exit_status":130`) || strings.Contains(stdout.String(), `"type":"error"`) {
		t.Errorf("stdout: %s", stdout.String())
	}
}

func tmpFiles(dir string) int {
	entries, _ := os.ReadDir(dir)
	return len(entries)
}
