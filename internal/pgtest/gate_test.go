package pgtest_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// background starts args and returns a channel closed when it has ended,
// and its output (to read once the channel is closed).
func background(t *testing.T, args []string) (<-chan struct{}, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	out := &strings.Builder{}
	cmd.Stdout = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return done, out
}

// TestGate: the first matching run waits at the gate until Open, the
// others go through, and Wait fails when the command ends without getting
// there.
func TestGate(t *testing.T) {
	g := pgtest.NewGate(t)
	echo := g.Wrap(t, "/bin/echo", "hold")
	if args := split(t, echo); filepath.Base(args[0]) != "echo" || args[1] != "/bin/echo" {
		t.Errorf("wrapper %q is not named after the program", echo)
	}
	passed, out := background(t, split(t, echo, "no match"))
	<-passed
	if out.String() != "no match\n" {
		t.Fatalf("unmatched run printed %q", out.String())
	}
	held, out := background(t, split(t, echo, "hold me"))
	g.Wait(t, held)
	select {
	case <-held:
		t.Fatal("the held command ended before Open")
	default:
	}
	second, out2 := background(t, split(t, echo, "hold me too"))
	<-second
	if out2.String() != "hold me too\n" {
		t.Errorf("second matching run printed %q", out2.String())
	}
	g.Open()
	<-held
	if out.String() != "hold me\n" {
		t.Errorf("released command printed %q", out.String())
	}

	r := &recorder{TB: t}
	ended, _ := background(t, split(t, pgtest.NewGate(t).Wrap(t, "/bin/true", "hold"), "no match"))
	finished := make(chan struct{})
	go func() { defer close(finished); pgtest.NewGate(t).Wait(r, ended) }()
	<-finished
	if !r.failed {
		t.Error("Wait returned for a command that ended without reaching the gate")
	}
}

// TestGateKillsHeld: a command still held when the test ends (its caller
// was killed) does not outlive the test.
func TestGateKillsHeld(t *testing.T) {
	var held <-chan struct{}
	t.Run("holds", func(t *testing.T) {
		g := pgtest.NewGate(t)
		held, _ = background(t, split(t, g.Wrap(t, "/bin/echo", "hold"), "hold"))
		g.Wait(t, held)
	})
	<-held // killed by the subtest's cleanup, else this waits for -timeout
}
