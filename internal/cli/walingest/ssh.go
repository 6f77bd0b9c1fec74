package walingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	"github.com/gobarman/barman/pkg/fsutil"
	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/sshcmd"
)

// remoteBarman builds the command line of barman on the barman host,
// each word quoted for the remote shell.
func remoteBarman(barman, config string, args ...string) string {
	words := []string{barman}
	if config != "" {
		words = append(words, "-c", config)
	}
	words = append(words, args...)
	for i, w := range words {
		words[i] = shellQuote(w)
	}
	return strings.Join(words, " ")
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:@%+,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// sshExit is a remote command's failure with its exit status; 255 means
// ssh itself failed.
type sshExit struct {
	code int
	msg  string
}

func (e *sshExit) Error() string { return e.msg }

// runRemote runs remote through the ssh command with stdin and stdout
// connected, and returns an *sshExit for a non-zero exit. Streams that
// are not files go through 1 MiB pipes (fsutil.GrowPipe).
func runRemote(ctx context.Context, sshText, remote string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := sshcmd.Parse(sshText)
	if err != nil {
		return err
	}
	cmd := c.Cmd(ctx, remote)
	var errBuf strings.Builder
	cmd.Stderr = io.MultiWriter(stderr, &errBuf)
	copies, err := connect(cmd, stdin, stdout)
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	copyErr := copies()
	if err := exitError(cmd.Wait(), remote, errBuf.String()); err != nil {
		return err
	}
	return copyErr
}

// exitError turns the remote command's exit into an *sshExit carrying
// what it wrote on standard error; other errors pass through.
func exitError(err error, remote, stderr string) error {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	msg := strings.TrimSpace(stderr)
	if msg == "" {
		msg = fmt.Sprintf("remote command %q exited with status %d", remote, ee.ExitCode())
	}
	return &sshExit{code: ee.ExitCode(), msg: msg}
}

// connect gives cmd stdin and stdout: files directly, other streams
// through grown pipes, copied by the returned function (run after Start;
// it returns when stdout reached its end).
func connect(cmd *exec.Cmd, stdin io.Reader, stdout io.Writer) (func() error, error) {
	var g errgroup.Group
	var in io.WriteCloser
	var out io.ReadCloser
	var err error
	if f, ok := stdin.(*os.File); ok || stdin == nil {
		if ok {
			cmd.Stdin = f
		}
	} else if in, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	if f, ok := stdout.(*os.File); ok || stdout == nil {
		if ok {
			cmd.Stdout = f
		}
	} else if out, err = cmd.StdoutPipe(); err != nil {
		return nil, err
	}
	fsutil.GrowPipe(in)
	fsutil.GrowPipe(out)
	return func() error {
		if in != nil {
			g.Go(func() error {
				_, err := io.Copy(in, stdin)
				if cerr := in.Close(); err == nil {
					err = cerr
				}
				return err
			})
		}
		if out != nil {
			g.Go(func() error {
				_, err := io.Copy(stdout, out)
				return err
			})
		}
		return g.Wait()
	}, nil
}
