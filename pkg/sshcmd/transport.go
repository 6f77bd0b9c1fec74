package sshcmd

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// TransportEnv names the environment variable that chooses how ssh_command
// runs: "openssh" always runs it as a process; "native" always uses the
// native client, and fails when it does not understand ssh_command; "auto"
// or unset uses the native client when it understands ssh_command.
const TransportEnv = "BARMAN_SSH_TRANSPORT"

// Transport says how Start runs the command: "native" or "openssh" (the
// process: OpenSSH, or the program ssh_command names), and why not native
// ("" for native).
func (c *Command) Transport() (name, why string, err error) {
	mode := strings.ToLower(os.Getenv(TransportEnv))
	switch mode {
	case "", "auto", "native":
	case "openssh":
		return "openssh", TransportEnv + "=openssh", nil
	default:
		return "", "", fmt.Errorf("%s=%s: use openssh, native or auto", TransportEnv, os.Getenv(TransportEnv))
	}
	if why := notSSH(c.Argv[0]); why != "" {
		// Another program (a wrapper, the local shell): there is no ssh
		// to replace, whatever the mode.
		return "openssh", why, nil
	}
	t, why := c.resolve()
	if why == "" && t.compression && mode != "native" {
		why = "Compression=yes: the native client does not compress"
	}
	if why == "" {
		return "native", "", nil
	}
	if mode == "native" {
		return "", why, fmt.Errorf("%s=native, but the native ssh client cannot run ssh_command %q: %s; unset %s to run it with OpenSSH",
			TransportEnv, c.Text, why, TransportEnv)
	}
	return "openssh", why, nil
}

// transport returns the native client's target, or nil for the process.
func (c *Command) transport() (*target, error) {
	name, why, err := c.Transport()
	if err != nil {
		return nil, err
	}
	if name == "openssh" {
		debugf("ssh: running ssh_command as a process", "command", c.Text, "why", why)
		return nil, nil
	}
	t, _ := c.resolve()
	debugf("ssh: native client", "command", c.Text, "destination", t.user+"@"+t.addr())
	if t.compression {
		debugf("ssh: native client does not compress (Compression=yes ignored, as BARMAN_SSH_TRANSPORT=native asks)", "command", c.Text)
	}
	return t, nil
}

// resolve works out once what the native client would do with c, or why
// it cannot.
func (c *Command) resolve() (*target, string) {
	if c.plan == nil {
		return resolveCommand(c.Args(""))
	}
	c.plan.once.Do(func() { c.plan.t, c.plan.why = resolveCommand(c.Args("")) })
	return c.plan.t, c.plan.why
}

// resolveCommand is resolveTarget for a whole command line ending with an
// empty remote command (dropped).
func resolveCommand(argv []string) (*target, string) {
	if why := notSSH(argv[0]); why != "" {
		return nil, why
	}
	return resolveTarget(argv[1 : len(argv)-1])
}

// notSSH says why program is not OpenSSH's ssh, or "": it must be "ssh",
// or a path to the ssh found on $PATH (another file named ssh is a
// wrapper that may do anything).
func notSSH(program string) string {
	if filepath.Base(program) != "ssh" {
		return program + " is not ssh"
	}
	if !strings.Contains(program, "/") {
		return ""
	}
	onPath, err := exec.LookPath("ssh")
	if err != nil {
		return ""
	}
	a, err1 := os.Stat(program)
	b, err2 := os.Stat(onPath)
	if err1 != nil || err2 != nil || !os.SameFile(a, b) {
		return fmt.Sprintf("%s is not the ssh on $PATH (%s)", program, onPath)
	}
	return ""
}

func debugf(msg string, args ...any) {
	slog.Default().Log(context.Background(), slog.LevelDebug, msg, args...)
}
