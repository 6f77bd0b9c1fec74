package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// workDir makes a short, world-traversable (0755) temporary directory
// /tmp/pgtest-<pid>-<kind>-<random> and removes it at cleanup. It does not
// use t.TempDir: that path contains the test name and can make a unix
// socket path exceed its ~107 byte limit, and it is 0700, which the
// PostgreSQL OS user cannot traverse.
func workDir(t testing.TB, kind string) string {
	t.Helper()
	base := os.TempDir()
	if st, err := os.Stat(base); err != nil || st.Mode()&0o001 == 0 || len(base) > 40 {
		base = "/tmp"
	}
	sweepOnce.Do(func() { sweep(base) })
	dir, err := os.MkdirTemp(base, fmt.Sprintf("pgtest-%d-%s-", os.Getpid(), kind))
	if err == nil {
		err = os.Chmod(dir, 0o755)
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := os.RemoveAll(dir); err != nil {
			t.Errorf("pgtest: removing %q: %v", dir, err)
		}
	})
	return dir
}

var sweepOnce sync.Once

// sweep removes the work directories left by test binaries that died
// without cleaning up (a -timeout panic, SIGKILL): those whose pid is gone.
func sweep(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, "pgtest-*-*"))
	for _, d := range dirs {
		pid, err := strconv.Atoi(strings.Split(filepath.Base(d), "-")[1])
		if err == nil && pid > 0 && syscall.Kill(pid, 0) == syscall.ESRCH {
			_ = os.RemoveAll(d)
		}
	}
}

// mkdirOwned creates dir with mode perm, owned by a.
func mkdirOwned(t testing.TB, a *account, dir string, perm os.FileMode) {
	t.Helper()
	err := os.Mkdir(dir, perm)
	if err == nil {
		err = errors.Join(os.Chmod(dir, perm), a.own(dir))
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// freePort asks the kernel for a free TCP port on 127.0.0.1. Another
// process may take it before we bind it again: callers retry.
func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgtest: free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// tail returns the last n lines of file, or a note why it cannot.
func tail(file string, n int) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return err.Error()
	}
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// waitFor polls cond every 20ms until it is true or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// killGroup sends sig to the process group led by pid, ignoring ESRCH.
func killGroup(pid int, sig syscall.Signal) {
	if pid > 0 {
		_ = syscall.Kill(-pid, sig)
	}
}

// confQuote quotes a postgresql.conf value.
func confQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// connQuote quotes a libpq conninfo value when needed.
func connQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, ` '\`) {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// writeOwned writes a file with mode perm, owned by a.
func writeOwned(a *account, file string, data []byte, perm os.FileMode) error {
	if err := os.WriteFile(file, data, perm); err != nil {
		return err
	}
	return errors.Join(os.Chmod(file, perm), a.own(file))
}

// Await polls cond until it holds, and fails the test naming what it
// waited for when it still does not after timeout. It is how tests wait
// for an event they cannot be told of (a row, a file, a process).
func Await(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	if !waitFor(timeout, cond) {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}
