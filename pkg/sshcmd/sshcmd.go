package sshcmd

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/mattn/go-shellwords"
)

// Command is a parsed ssh_command.
type Command struct {
	Text string
	Argv []string
	// Options are ssh options barman adds (With), after the user's: ssh
	// takes the first value it sees, so the user's own settings win.
	Options []string
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
	return &Command{Text: text, Argv: argv}, nil
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
	return &cp
}

// Cmd builds an exec.Cmd that runs remote through ssh.
func (c *Command) Cmd(ctx context.Context, remote string) *exec.Cmd {
	args := c.Args(remote)
	return exec.CommandContext(ctx, args[0], args[1:]...)
}

// Output runs remote and returns its standard output. A non-zero exit is an
// error that carries ssh's standard error.
func (c *Command) Output(ctx context.Context, remote string) ([]byte, error) {
	cmd := c.Cmd(ctx, remote)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return out, fmt.Errorf("%s: %s", c.Text, msg)
	}
	return out, nil
}
