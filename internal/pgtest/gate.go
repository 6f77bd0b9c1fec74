package pgtest

import (
	"bufio"
	"fmt"
	"github.com/gobarman/barman/pkg/shell"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/mattn/go-shellwords"
)

// Gate holds a command at a known point until the test lets it go, so
// that a fault test injects its fault while the command is certainly
// there: not before it started, not after it finished, whatever the
// timing.
//
//	g := pgtest.NewGate(t)
//	conf := "ssh_command = " + g.Wrap(t, sshd.ToPostgres(pg), "tar -cf")
//	// start `barman backup` in the background; done is closed when it ends
//	g.Wait(t, done) // the copy's tar is held: the backup is running
//	pg.Stop(t)      // the fault
//	g.Open()        // the copy goes on, against a stopped server
//
// Only the first run of the wrapped command that matches is held; the
// others go through. A command still held when the test ends is killed
// (the process under test may have been killed meanwhile, orphaning it).
type Gate struct {
	dir     string
	arrived *os.File // fifo: the held command writes its pid
	release *os.File // fifo: Open writes a line, the held command reads it
	pid     int      // of the held command, once Wait saw it
	opened  bool
}

// NewGate makes a gate in a temporary directory; it is closed by
// t.Cleanup.
func NewGate(t testing.TB) *Gate {
	t.Helper()
	g := &Gate{dir: TempDir(t)}
	for _, f := range []struct {
		name string
		file **os.File
	}{{"arrived", &g.arrived}, {"release", &g.release}} {
		p := filepath.Join(g.dir, f.name)
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Fatalf("gate: %v", err)
		}
		// Read and write: opening does not wait for the other end, and
		// the fifo never reads as closed while the gate lives.
		fh, err := os.OpenFile(p, os.O_RDWR, 0)
		if err != nil {
			t.Fatalf("gate: %v", err)
		}
		*f.file = fh
	}
	t.Cleanup(func() {
		if g.pid > 0 && !g.opened {
			syscall.Kill(g.pid, syscall.SIGKILL)
		}
		g.arrived.Close() // ends a Wait still reading
		g.release.Close()
	})
	return g
}

// Wrap returns command (a command line split by shell rules, like
// ssh_command) behind the gate: its first run with an argument containing
// match waits at the gate before it runs. The wrapper has the base name
// of the command's program (an ssh stays "ssh" for whoever looks).
func (g *Gate) Wrap(t testing.TB, command, match string) string {
	t.Helper()
	argv, err := shellwords.Parse(command)
	if err != nil || len(argv) == 0 {
		t.Fatalf("gate: cannot split %q: %v", command, err)
	}
	script := filepath.Join(g.dir, filepath.Base(argv[0]))
	text := fmt.Sprintf(`#!/bin/sh
for a in "$@"; do
	case "$a" in
	*%s*)
		if mkdir %s 2>/dev/null; then
			echo $$ >%s
			IFS= read -r _ <%s || exit 1
		fi;;
	esac
done
exec "$@"
`, shell.Quote(match), shell.Quote(filepath.Join(g.dir, "held")), shell.Quote(g.arrived.Name()), shell.Quote(g.release.Name()))
	if err := os.WriteFile(script, []byte(text), 0o755); err != nil {
		t.Fatalf("gate: %v", err)
	}
	// The script's path bare: it is a path of this harness's temporary
	// directory, and a configuration value that starts and ends with a
	// quote loses them.
	return script + " " + command
}

// Wait returns once the wrapped command is held at the gate. If done is
// closed first (the process under test ended without getting there), the
// test fails: the fault would not be injected.
func (g *Gate) Wait(t testing.TB, done <-chan struct{}) {
	t.Helper()
	arrived := make(chan int, 1)
	go func() {
		line, err := bufio.NewReader(g.arrived).ReadString('\n')
		if err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(line))
			arrived <- pid
		}
	}()
	select {
	case g.pid = <-arrived:
	case <-done:
		t.Fatal("gate: the command under test ended before it reached the gate")
	}
}

// Open lets the held command go on.
func (g *Gate) Open() {
	g.opened = true
	g.release.WriteString("go\n")
}
