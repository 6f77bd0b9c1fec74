package sshcmd

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"

	"github.com/gobarman/barman/pkg/fsutil"
)

// execProcess is the ssh_command run as a process (OpenSSH, or whatever
// program ssh_command names).
type execProcess struct {
	cmd       *exec.Cmd
	stdin     io.Reader
	stdout    io.Writer
	stdinDone chan error // the copy into the process's stdin, if any
	outDone   chan error // the copy from its stdout, if any
	done      chan struct{}
	err       error
}

// startExec starts argv. Streams that are not files go through 1 MiB
// pipes (fsutil.GrowPipe), copied by goroutines.
func startExec(ctx context.Context, argv []string, stdin io.Reader, stdout, stderr io.Writer) (Process, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stderr = stderr
	p := &execProcess{cmd: cmd, stdin: stdin, stdout: stdout, done: make(chan struct{})}
	var in io.WriteCloser
	var out io.ReadCloser
	var err error
	if f, ok := stdin.(*os.File); ok {
		cmd.Stdin = f
	} else if stdin != nil {
		if in, err = cmd.StdinPipe(); err != nil {
			return nil, err
		}
		fsutil.GrowPipe(in)
	}
	if f, ok := stdout.(*os.File); ok {
		cmd.Stdout = f
	} else if stdout != nil {
		if out, err = cmd.StdoutPipe(); err != nil {
			return nil, err
		}
		fsutil.GrowPipe(out)
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if in != nil {
		p.stdinDone = make(chan error, 1)
		go func() { p.stdinDone <- copyInput(in, stdin, p.Kill) }()
	}
	if out != nil {
		p.outDone = make(chan error, 1)
		go func() {
			// Whole pipefuls: far fewer reads and writes than io.Copy's
			// 32 KiB.
			_, err := io.CopyBuffer(onlyWriter{stdout}, onlyReader{out}, make([]byte, fsutil.PipeSize))
			if err != nil {
				io.Copy(io.Discard, out) // let the process finish
			}
			p.outDone <- err
		}()
	}
	go func() {
		defer close(p.done)
		p.err = p.wait()
	}()
	return p, nil
}

func (p *execProcess) Kill() {
	p.cmd.Process.Kill()
}

func (p *execProcess) Wait() error {
	<-p.done
	return p.err
}

// wait reads the output to its end, waits for the process, then for the
// copy into its input (a pipe's reader is closed so that it ends).
func (p *execProcess) wait() error {
	var outErr, inErr error
	if p.outDone != nil {
		outErr = <-p.outDone
	}
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		err = &ExitError{Code: ee.ExitCode()}
		if ee.ExitCode() < 0 {
			err = &ExitError{Code: -1, Signal: ee.String()}
		}
	}
	if p.stdinDone != nil {
		if pr, ok := p.stdin.(*io.PipeReader); ok {
			pr.CloseWithError(ErrInputClosed)
		}
		inErr = <-p.stdinDone
	}
	if err == nil {
		err = outErr
	}
	if err == nil && inErr != nil && !isPipeError(inErr) {
		err = inErr
	}
	closeStreams(nil, p.stdout, err)
	return err
}

// onlyWriter and onlyReader hide ReadFrom and WriteTo from io.CopyBuffer,
// so that it uses the buffer given.
type onlyWriter struct{ io.Writer }
type onlyReader struct{ io.Reader }
