package clitest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
)

// runTransport is run with BARMAN_SSH_TRANSPORT set to transport ("" unsets it).
func runTransport(t *testing.T, transport, tool string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BARMAN_SSH_TRANSPORT=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if transport != "" {
		cmd.Env = append(cmd.Env, "BARMAN_SSH_TRANSPORT="+transport)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	code := 0
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", tool, err)
	}
	return stdout.String(), stderr.String(), code
}

// TestSSHTransport: the test sshd's ssh_command runs on the native client
// by default (barman-wal-ingest -d says so), on OpenSSH when asked, and an
// option the native client does not know falls back to OpenSSH, saying
// why. This keeps the "both transports" runs of the SSH tests honest.
func TestSSHTransport(t *testing.T) {
	tools := toolsFor(t)
	s := newSite(t, "conninfo = host=/nonexistent", "")
	sshd := pgtest.StartSSHD(t)
	plain := sshd.CommandAs(currentUser(t))
	for _, tc := range []struct {
		transport, ssh, want string
	}{
		{"", plain, `msg="ssh: native client"`},
		{"auto", plain, `msg="ssh: native client"`},
		{"native", plain, `msg="ssh: native client"`},
		{"openssh", plain, `why="BARMAN_SSH_TRANSPORT=openssh"`},
		{"", plain + " -o ControlMaster=no", "why=\"-o ControlMaster=no: option ControlMaster is not understood by the native client\""},
	} {
		out, errOut, code := runTransport(t, tc.transport, filepath.Join(tools, "barman-wal-ingest"), "-d", "pull", "--test", "--ssh", tc.ssh,
			"--remote-barman", filepath.Join(tools, "barman"), "--remote-config", s.conf, "main")
		if code != 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("BARMAN_SSH_TRANSPORT=%s %s: exit %d, want %s in:\n%s%s", tc.transport, tc.ssh, code, tc.want, out, errOut)
		}
	}
	// Forced native and not understood: refused, not run on OpenSSH.
	_, errOut, code := runTransport(t, "native", filepath.Join(tools, "barman-wal-ingest"), "pull", "--test", "--ssh", plain+" -J jump",
		"--remote-barman", filepath.Join(tools, "barman"), "--remote-config", s.conf, "main")
	if code == 0 || !strings.Contains(errOut, "BARMAN_SSH_TRANSPORT=native, but the native ssh client cannot run ssh_command") {
		t.Errorf("forced native, -J: exit %d:\n%s", code, errOut)
	}
}
