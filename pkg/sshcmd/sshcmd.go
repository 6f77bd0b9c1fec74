package sshcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/mattn/go-shellwords"
)

// Command is a parsed ssh_command.
type Command struct {
	Text string
	Argv []string
	// Options are ssh options barman adds (With), after the user's: ssh
	// takes the first value it sees, so the user's own settings win.
	Options []string

	plan *plan // what the native client makes of it, worked out once
}

type plan struct {
	once sync.Once
	t    *target
	why  string
}

// Parse splits an ssh_command into words.
func Parse(text string) (*Command, error) {
	argv, err := shellwords.NewParser().Parse(text)
	if err != nil {
		return nil, fmt.Errorf("ssh_command %q cannot be split into words: %w", text, err)
	}
	if len(argv) == 0 {
		return nil, fmt.Errorf("ssh_command is empty")
	}
	return &Command{Text: text, Argv: argv, plan: &plan{}}, nil
}

// Local is a command that runs scripts on this host, with /bin/sh -c.
func Local() *Command {
	return &Command{Text: "/bin/sh -c", Argv: []string{"/bin/sh", "-c"}, plan: &plan{}}
}

// Args returns the full argument vector to run remote on the other host.
// remote is passed to ssh as a single argument, which the remote shell
// interprets.
func (c *Command) Args(remote string) []string {
	args := append([]string{}, c.Argv...)
	if strings.HasSuffix(args[0], "ssh") {
		args = append(args, "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new")
		for _, o := range c.Options {
			args = append(args, "-o", o)
		}
	}
	return append(args, remote)
}

// With returns a copy of c that also passes each of options to ssh as
// "-o OPTION" (e.g. "Compression=yes"). A command that is not ssh gets
// none of them.
func (c *Command) With(options ...string) *Command {
	cp := *c
	cp.Options = append(append([]string(nil), c.Options...), options...)
	cp.plan = &plan{}
	return &cp
}

// Process is a remote command started by Start.
type Process interface {
	// Wait waits for the remote command to exit and its output to be
	// copied. It returns nil for exit status 0, an *ExitError for
	// another status, a signal, or a failure of ssh itself (status 255:
	// the connection failed or broke).
	Wait() error
	// Kill ends the remote command at once (its ssh process, or its
	// session); Wait then returns an error.
	Kill()
}

// ExitError is how a remote command ended other than with status 0.
type ExitError struct {
	Code   int    // exit status; 255 when ssh failed; -1 for a signal
	Signal string // the signal that ended it, if any
	Err    error  // the native client's failure, when Code is 255
}

// ExitCode is the exit status, as exec.ExitError's.
func (e *ExitError) ExitCode() int { return e.Code }

func (e *ExitError) Error() string {
	switch {
	case e.Err != nil:
		return e.Err.Error()
	case e.Signal != "":
		return "remote command killed: " + e.Signal
	}
	return fmt.Sprintf("exit status %d", e.Code)
}

func (e *ExitError) Unwrap() error { return e.Err }

// ErrInputClosed is what a writer into an *io.PipeReader given to Start
// as stdin gets once the remote command takes no more input (it ended,
// or its connection failed: Wait says which).
var ErrInputClosed = errors.New("the remote command takes no more input")

// Start starts remote on the other host with stdin as its standard input
// (nil: empty) and its output written to stdout and stderr (nil:
// discarded). Pipes close on their own: an *io.PipeReader stdin is closed
// once the remote command stops taking input, so that its writer never
// blocks, and an *io.PipeWriter stdout is closed once the command has
// ended, with Wait's error: a failure never reads as a clean end of
// output. Cancelling ctx kills the remote command.
//
// The ssh_command runs as a process (OpenSSH), or through the native
// client when it is a plain ssh command the native client understands:
// see Transport.
func (c *Command) Start(ctx context.Context, remote string, stdin io.Reader, stdout, stderr io.Writer) (Process, error) {
	t, err := c.transport()
	if err != nil {
		return nil, err
	}
	if t != nil {
		return startNative(ctx, t, remote, stdin, stdout, stderr), nil
	}
	p, err := startExec(ctx, c.Args(remote), stdin, stdout, stderr)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", c.Text, err)
	}
	return p, nil
}

// Run runs remote as Start and waits for it.
func (c *Command) Run(ctx context.Context, remote string, stdin io.Reader, stdout, stderr io.Writer) error {
	p, err := c.Start(ctx, remote, stdin, stdout, stderr)
	if err != nil {
		return err
	}
	return p.Wait()
}

// Output runs remote and returns its standard output. A non-zero exit is an
// error that carries ssh's standard error.
func (c *Command) Output(ctx context.Context, remote string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	err := c.Run(ctx, remote, nil, &stdout, &stderr)
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return stdout.Bytes(), fmt.Errorf("%s: %s", c.Text, msg)
	}
	return stdout.Bytes(), nil
}

// copyInput copies stdin into the remote command's input, then closes
// it. A failure to read stdin kills the remote command rather than end
// its input cleanly: a broken input never looks complete.
func copyInput(in io.WriteCloser, stdin io.Reader, kill func()) error {
	src := &inputReader{r: stdin}
	_, err := io.CopyBuffer(onlyWriter{in}, src, make([]byte, fsutil.PipeSize))
	if src.err != nil && src.err != io.EOF {
		kill()
	}
	if cerr := in.Close(); err == nil && cerr != nil && cerr != io.EOF && !isPipeError(cerr) {
		err = cerr
	}
	closeStreams(stdin, nil, err)
	return err
}

// inputReader remembers the caller's read error.
type inputReader struct {
	r   io.Reader
	err error
}

func (r *inputReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if err != nil {
		r.err = err
	}
	return n, err
}

// closeStreams closes a pipe given as stdin or stdout once its copy is
// over: with err, or as a clean end when err is nil.
func closeStreams(stdin io.Reader, stdout io.Writer, err error) {
	if pr, ok := stdin.(*io.PipeReader); ok {
		pr.CloseWithError(ErrInputClosed)
	}
	if pw, ok := stdout.(*io.PipeWriter); ok {
		pw.CloseWithError(err)
	}
}

func isPipeError(err error) bool {
	return errors.Is(err, ErrInputClosed) || errors.Is(err, syscall.EPIPE) || errors.Is(err, os.ErrClosed) || errors.Is(err, io.ErrClosedPipe)
}
