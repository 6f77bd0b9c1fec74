package walingest

import (
	"context"
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/shell"
	"io"
	"strings"

	"github.com/gobarman/barman/pkg/sshcmd"
)

// remoteBarman builds the command line of barman on the barman host,
// each word quoted for the remote shell.
func remoteBarman(barman, config string, args ...string) string {
	words := []string{barman}
	if config != "" {
		words = append(words, "-c", config)
	}
	return strings.Join(shell.QuoteAll(append(words, args...)), " ")
}

// sshExit is a remote command's failure with its exit status; 255 means
// ssh itself failed.
type sshExit struct {
	code int
	msg  string
}

func (e *sshExit) Error() string { return e.msg }

// runRemote runs remote through the ssh command with stdin and stdout
// connected, and returns an *sshExit for a non-zero exit.
func runRemote(ctx context.Context, sshText, remote string, stdin io.Reader, stdout, stderr io.Writer) error {
	c, err := sshcmd.Parse(sshText)
	if err != nil {
		return err
	}
	var errBuf strings.Builder
	err = c.Run(ctx, remote, stdin, stdout, io.MultiWriter(stderr, &errBuf))
	return exitError(err, remote, errBuf.String())
}

// exitError turns the remote command's exit into an *sshExit carrying
// what it wrote on standard error; other errors pass through.
func exitError(err error, remote, stderr string) error {
	var ee *sshcmd.ExitError
	if !errors.As(err, &ee) {
		return err
	}
	msg := strings.TrimSpace(stderr)
	if msg == "" {
		msg = fmt.Sprintf("remote command %q: %v", remote, ee)
	}
	return &sshExit{code: ee.ExitCode(), msg: msg}
}
