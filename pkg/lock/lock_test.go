package lock

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
)

func TestLockExcludesAndReportsHolder(t *testing.T) {
	dir := t.TempDir()
	p := File(dir, "main", "backup")
	if filepath.Base(p) != ".main-backup.lock" {
		t.Fatalf("name %s", p)
	}
	l, err := Acquire(context.Background(), p, "backup", 0)
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to open file descriptions: a second open in the
	// same process conflicts like another process would.
	start := time.Now()
	_, err = Acquire(context.Background(), p, "backup", 200*time.Millisecond)
	var le *LockedError
	if !errors.As(err, &le) {
		t.Fatalf("err = %v, want LockedError", err)
	}
	if time.Since(start) < 200*time.Millisecond {
		t.Errorf("gave up before the timeout")
	}
	if le.PID != os.Getpid() || le.Purpose != "backup" {
		t.Errorf("holder = %d %q", le.PID, le.Purpose)
	}
	if !strings.Contains(err.Error(), "locked by pid "+strconv.Itoa(os.Getpid())+" (backup)") {
		t.Errorf("message %q", err)
	}
	if err := l.Unlock(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(context.Background(), p, "backup", 0)
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	l2.Unlock()
	if _, err := os.Stat(p); err != nil {
		t.Errorf("lock file removed: %v", err)
	}
}

func TestLockWaitsForRelease(t *testing.T) {
	p := File(t.TempDir(), "", "cron")
	l, err := Acquire(context.Background(), p, "cron", 0)
	if err != nil {
		t.Fatal(err)
	}
	go func() { time.Sleep(100 * time.Millisecond); l.Unlock() }()
	l2, err := Acquire(context.Background(), p, "cron", 5*time.Second)
	if err != nil {
		t.Fatalf("waiting acquire: %v", err)
	}
	l2.Unlock()
}

// TestLockHeldByOtherProcess: a lock that flock(1) holds in another
// process is reported with the pid recorded in the file. flock(1) says
// when it holds the lock, and holds it until its standard input closes.
func TestLockHeldByOtherProcess(t *testing.T) {
	pgtest.Require(t, "flock(1) (util-linux)", "flock")
	p := File(t.TempDir(), "main", "xlogdb")
	os.WriteFile(p, []byte("4242\nxlogdb\n"), 0o600)
	cmd := exec.Command("flock", p, "sh", "-c", "echo locked; exec cat >/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); cmd.Wait() }()
	if line, err := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("flock(1) said %q (%v)", line, err)
	}
	_, err = Acquire(context.Background(), p, "xlogdb", 0)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != 4242 {
		t.Fatalf("Acquire of a lock held by flock(1): %v", err)
	}
}

// TestHeld: Held sees a lock taken by Acquire (another open file
// description conflicts as another process would), with its pid, and
// leaves nothing locked behind it.
func TestHeld(t *testing.T) {
	p := File(t.TempDir(), "main", "receive-wal")
	if pid, held, err := Held(p); pid != 0 || held || err != nil {
		t.Fatalf("missing file: %d %v %v", pid, held, err)
	}
	l, err := Acquire(context.Background(), p, "receive-wal", 0)
	if err != nil {
		t.Fatal(err)
	}
	if pid, held, err := Held(p); pid != os.Getpid() || !held || err != nil {
		t.Errorf("held: %d %v %v", pid, held, err)
	}
	l.Unlock()
	if pid, held, err := Held(p); pid != 0 || held || err != nil {
		t.Errorf("released: %d %v %v", pid, held, err)
	}
	// Held took and dropped a shared lock: an exclusive one is free.
	l, err = Acquire(context.Background(), p, "receive-wal", 0)
	if err != nil {
		t.Fatalf("after Held: %v", err)
	}
	l.Unlock()
}
