package pgtest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Crash kills the server as kill -9 does: SIGKILL to the postmaster and
// to each of its processes (every backend leads its own process group),
// with no shutdown and no checkpoint, and waits until they are gone. What
// was acknowledged to clients is only in the WAL it wrote, and in what
// streamed it. Start recovers the server as after a crash.
func (p *Postgres) Crash(t testing.TB) {
	t.Helper()
	if p.proc == nil {
		t.Fatalf("pgtest: Crash: PostgreSQL is not running")
	}
	pid := p.proc.cmd.Process.Pid
	children := childrenOf(pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	for _, c := range children {
		_ = syscall.Kill(c, syscall.SIGKILL)
	}
	<-p.proc.done
	p.proc = nil
	if !waitFor(30*time.Second, func() bool { return len(alive(children)) == 0 }) {
		t.Fatalf("pgtest: processes %v of the killed PostgreSQL are still running", alive(children))
	}
}

// childrenOf lists the processes whose parent is pid (from /proc).
func childrenOf(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var out []int
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, not ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			if c, err := strconv.Atoi(filepath.Base(filepath.Dir(s))); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// alive returns the pids of pids that still run (zombies count as gone).
func alive(pids []int) []int {
	var out []int
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 0 && f[0] != "Z" {
			out = append(out, pid)
		}
	}
	return out
}
