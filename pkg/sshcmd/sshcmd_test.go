package sshcmd

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestArgs(t *testing.T) {
	c, err := Parse(`ssh -p 2222 -o "ProxyCommand=nc %h %p" postgres@pg`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ssh", "-p", "2222", "-o", "ProxyCommand=nc %h %p", "postgres@pg",
		"-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "true"}
	if got := c.Args("true"); !reflect.DeepEqual(got, want) {
		t.Errorf("args = %q", got)
	}
	if _, err := Parse(`ssh 'pg`); err == nil {
		t.Error("unbalanced quote accepted")
	}
}

func TestOutputReportsFailure(t *testing.T) {
	// A non-ssh command stands in for ssh: it receives the remote command
	// as its last argument, like ssh does.
	c, _ := Parse(`sh -c`)
	out, err := c.Output(context.Background(), "echo hi")
	if err != nil || string(out) != "hi\n" {
		t.Fatalf("out %q err %v", out, err)
	}
	_, err = c.Output(context.Background(), "echo nope >&2; exit 3")
	if err == nil || err.Error() != "sh -c: nope" {
		t.Errorf("err = %v", err)
	}
}

func TestWith(t *testing.T) {
	c, _ := Parse("ssh -o Compression=no postgres@pg")
	z := c.With("Compression=yes")
	got := strings.Join(z.Args("true"), " ")
	if got != "ssh -o Compression=no postgres@pg -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o Compression=yes true" {
		t.Errorf("args %s", got)
	}
	if len(c.Options) != 0 {
		t.Error("With changed the original")
	}
	other, _ := Parse("/usr/local/bin/myrsh pg")
	if got := strings.Join(other.With("Compression=yes").Args("true"), " "); got != "/usr/local/bin/myrsh pg true" {
		t.Errorf("not ssh: %s", got)
	}
}

// TestPipesCarryFailures: through the process transport, an output pipe
// ends with the error of a failed command, not a clean end, and an input
// that fails kills the command rather than end its input cleanly.
func TestPipesCarryFailures(t *testing.T) {
	c, _ := Parse("sh -c")
	pipesCarryFailures(t, c)
}

func pipesCarryFailures(t *testing.T, c *Command) {
	t.Helper()
	outR, outW := io.Pipe()
	p, err := c.Start(context.Background(), "echo partial; exit 255", nil, outW, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(outR)
	var ee *ExitError
	if string(b) != "partial\n" || !errors.As(err, &ee) || ee.Code != 255 {
		t.Errorf("output %q, read error %v", b, err)
	}
	p.Wait()
	// cat exits 0 at the end of its input: a failed input must not get there.
	inR, inW := io.Pipe()
	var out strings.Builder
	p, err = c.Start(context.Background(), "cat; echo clean end", inR, &out, nil)
	if err != nil {
		t.Fatal(err)
	}
	inW.Write([]byte("some\n"))
	inW.CloseWithError(errors.New("the source broke"))
	if err := p.Wait(); err == nil || strings.Contains(out.String(), "clean end") {
		t.Errorf("broken input: wait %v, output %q", err, out.String())
	}
	// A writer into a command that stopped reading is not left blocked.
	inR, inW = io.Pipe()
	p, err = c.Start(context.Background(), "exit 0", inR, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(); err != nil {
		t.Errorf("wait: %v", err)
	}
	if _, err := inW.Write(make([]byte, 1<<20)); !errors.Is(err, ErrInputClosed) {
		t.Errorf("write after the end: %v", err)
	}
}
