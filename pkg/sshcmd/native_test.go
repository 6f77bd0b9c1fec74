package sshcmd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
)

// sshdCommand starts the test sshd and returns the ssh_command that logs
// in to it as the current user, with the ssh options changed as edit
// says (a value "" drops the option).
func sshdCommand(t *testing.T, edit map[string]string) (*pgtest.SSHD, string) {
	t.Helper()
	sshd := pgtest.StartSSHD(t)
	me, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return sshd, editOptions(t, sshd.CommandAs(me.Username), edit)
}

func editOptions(t *testing.T, command string, edit map[string]string) string {
	t.Helper()
	c, err := Parse(command)
	if err != nil {
		t.Fatal(err)
	}
	var words []string
	for i := 0; i < len(c.Argv); i++ {
		if c.Argv[i] == "-o" && i+1 < len(c.Argv) {
			key, _ := splitOption(c.Argv[i+1])
			if v, ok := edit[key]; ok {
				i++
				if v != "" {
					words = append(words, "-o", key+"="+v)
				}
				continue
			}
		}
		words = append(words, c.Argv[i])
	}
	for i, w := range words {
		words[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(words, " ")
}

// nativeOnly makes Start fail rather than fall back to OpenSSH.
func nativeOnly(t *testing.T) {
	t.Setenv(TransportEnv, "native")
	t.Cleanup(CloseAll)
}

// TestNativeRunsCommands: the native client runs remote commands on the
// real sshd with their input, output, error output and exit status, on
// one connection for several commands.
func TestNativeRunsCommands(t *testing.T) {
	nativeOnly(t)
	_, text := sshdCommand(t, nil)
	c, _ := Parse(text)
	if name, why, err := c.Transport(); name != "native" {
		t.Fatalf("transport %s: %s %v", name, why, err)
	}
	ctx := context.Background()
	dials := pool.dials.Load()
	out, err := c.Output(ctx, "echo hi; echo $SSH_CONNECTION >/dev/null")
	if err != nil || string(out) != "hi\n" {
		t.Fatalf("out %q err %v", out, err)
	}
	var stderr bytes.Buffer
	err = c.Run(ctx, "echo nope >&2; exit 3", nil, nil, &stderr)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 3 || stderr.String() != "nope\n" {
		t.Errorf("exit: %v, stderr %q", err, stderr.String())
	}
	if _, err := c.Output(ctx, "exit 4"); err == nil || err.Error() != text+": exit status 4" {
		t.Errorf("Output's error %v", err)
	}
	// 8 MiB through cat, from a reader into a writer and through pipes.
	data := make([]byte, 8<<20)
	rand.Read(data)
	var back bytes.Buffer
	if err := c.Run(ctx, "cat", bytes.NewReader(data), &back, nil); err != nil || !bytes.Equal(back.Bytes(), data) {
		t.Errorf("cat: %v, %d bytes back", err, back.Len())
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	p, err := c.Start(ctx, "cat", inR, outW, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		inW.Write(data)
		inW.Close()
	}()
	h := sha256.New()
	if n, err := io.Copy(h, outR); err != nil || n != int64(len(data)) || sha256.Sum256(data) != [32]byte(h.Sum(nil)) {
		t.Errorf("cat through pipes: %d bytes, %v", n, err)
	}
	if err := p.Wait(); err != nil {
		t.Errorf("wait: %v", err)
	}
	// Another parse of the same command reuses the connection.
	again, _ := Parse(text)
	if _, err := again.Output(ctx, "true"); err != nil {
		t.Fatal(err)
	}
	if n := pool.dials.Load() - dials; n != 1 {
		t.Errorf("%d connections for the commands one after the other, want 1", n)
	}
}

// TestNativeSessionsPerConnection: more commands at once than a
// connection takes sessions open another connection.
func TestNativeSessionsPerConnection(t *testing.T) {
	nativeOnly(t)
	_, text := sshdCommand(t, nil)
	c, _ := Parse(text)
	ctx := context.Background()
	dials := pool.dials.Load()
	var procs []Process
	var inputs []*io.PipeWriter
	var outputs []*bytes.Buffer
	for i := range sessionsPerConn + 2 {
		r, w := io.Pipe()
		var out bytes.Buffer
		p, err := c.Start(ctx, "cat", r, &out, nil)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "%d\n", i)
		procs, inputs, outputs = append(procs, p), append(inputs, w), append(outputs, &out)
	}
	for i, p := range procs {
		inputs[i].Close()
		if err := p.Wait(); err != nil || outputs[i].String() != fmt.Sprintf("%d\n", i) {
			t.Errorf("session %d: %v, %q", i, err, outputs[i].String())
		}
	}
	if n := pool.dials.Load() - dials; n != 2 {
		t.Errorf("%d connections for %d sessions at once, want 2", n, sessionsPerConn+2)
	}
}

// TestNativeCancelKills: cancelling the context ends the remote command.
// The login is not root's: sshd delivers signals only from its
// unprivileged session process.
func TestNativeCancelKills(t *testing.T) {
	nativeOnly(t)
	sshd := pgtest.StartSSHD(t)
	c, _ := Parse(sshd.CommandAs(pgtest.OSUser(t)))
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	p, err := c.Start(ctx, "echo $$; exec sleep 600", nil, outW, nil)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, outR)
	cancel()
	var ee *ExitError
	if err := p.Wait(); !errors.As(err, &ee) || ee.Signal == "" {
		t.Errorf("wait after cancel: %v", err)
	}
	// The remote sleep goes (the signal is delivered asynchronously).
	gone := false
	for range 100 {
		if _, err := c.Output(context.Background(), "kill -0 "+strings.TrimSpace(pid)); err != nil {
			gone = true
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !gone {
		t.Errorf("remote process %s still there after cancel", strings.TrimSpace(pid))
	}
}

// TestNativeConnectFailure: a connection that fails is status 255 with
// the reason on stderr, and the output pipe ends with an error, never a
// clean end.
func TestNativeConnectFailure(t *testing.T) {
	nativeOnly(t)
	_, text := sshdCommand(t, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c, _ := Parse(strings.Replace(text, "'-p'", fmt.Sprintf("'-p' '%d' '-p'", port), 1))
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	p, err := c.Start(context.Background(), "echo hi", nil, outW, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(outR); err == nil {
		t.Errorf("output ended cleanly (%q) on a failed connection", b)
	}
	var ee *ExitError
	if err := p.Wait(); !errors.As(err, &ee) || ee.Code != 255 {
		t.Errorf("wait: %v", err)
	}
	if want := fmt.Sprintf("ssh: connect to 127.0.0.1:%d", port); !strings.HasPrefix(stderr.String(), want) {
		t.Errorf("stderr %q, want %q", stderr.String(), want)
	}
}

// TestNativeKnownHosts: an unknown host is recorded (accept-new, as barman
// asks of OpenSSH), a known one passes, a changed key is refused naming
// the host and the file, and StrictHostKeyChecking=yes refuses an unknown
// host. OpenSSH refuses the changed key too.
func TestNativeKnownHosts(t *testing.T) {
	nativeOnly(t)
	kh := filepath.Join(t.TempDir(), "known_hosts")
	sshd, text := sshdCommand(t, map[string]string{"UserKnownHostsFile": kh, "StrictHostKeyChecking": ""})
	ctx := context.Background()
	c, _ := Parse(text)
	if _, err := c.Output(ctx, "true"); err != nil {
		t.Fatalf("first connection: %v", err)
	}
	hostKey, _ := os.ReadFile(filepath.Join(sshd.Dir, "ssh_host_ed25519_key.pub"))
	name := fmt.Sprintf("[127.0.0.1]:%d", sshd.Port)
	recorded, _ := os.ReadFile(kh)
	fields := strings.Fields(string(hostKey))
	if want := name + " " + fields[0] + " " + fields[1] + "\n"; string(recorded) != want {
		t.Fatalf("known_hosts:\n%s\nwant\n%s", recorded, want)
	}
	CloseAll()
	if _, err := c.Output(ctx, "true"); err != nil {
		t.Fatalf("known host: %v", err)
	}
	// Another key for the host: refused.
	other := filepath.Join(t.TempDir(), "other")
	keygen(t, other, "")
	pub, _ := os.ReadFile(other + ".pub")
	f := strings.Fields(string(pub))
	writeFile(t, kh, name+" "+f[0]+" "+f[1]+"\n")
	CloseAll()
	_, err := c.Output(ctx, "true")
	if err == nil || !strings.Contains(err.Error(), "host key of "+name+" has CHANGED") || !strings.Contains(err.Error(), kh+" line 1") {
		t.Errorf("changed key: %v", err)
	}
	t.Setenv(TransportEnv, "openssh")
	if _, err := c.Output(ctx, "true"); err == nil {
		t.Error("OpenSSH accepted the changed key")
	}
	t.Setenv(TransportEnv, "native")
	// StrictHostKeyChecking=yes and an empty file: refused.
	writeFile(t, kh, "")
	strict, _ := Parse(strings.Replace(text, "'-p'", "'-o' 'StrictHostKeyChecking=yes' '-p'", 1))
	if _, err := strict.Output(ctx, "true"); err == nil || !strings.Contains(err.Error(), "host key of "+name+" is not known") {
		t.Errorf("strict, unknown host: %v", err)
	}
}

// BenchmarkTransport compares the transports on the test sshd: a command
// that does nothing (the cost of a remote command: a new ssh process and
// handshake each for OpenSSH, a session on the cached connection for the
// native client), and 64 MiB sent into it.
//
//	go test -run '^$' -bench Transport ./pkg/sshcmd
func BenchmarkTransport(b *testing.B) {
	sshd := pgtest.StartSSHD(b)
	me, _ := user.Current()
	data := make([]byte, 64<<20)
	rand.Read(data)
	for _, transport := range []string{"openssh", "native"} {
		b.Run(transport+"/true", func(b *testing.B) {
			b.Setenv(TransportEnv, transport)
			defer CloseAll()
			c, _ := Parse(sshd.CommandAs(me.Username))
			for b.Loop() {
				if _, err := c.Output(context.Background(), "true"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(transport+"/64MiB", func(b *testing.B) {
			b.Setenv(TransportEnv, transport)
			defer CloseAll()
			c, _ := Parse(sshd.CommandAs(me.Username))
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := c.Run(context.Background(), "cat >/dev/null", bytes.NewReader(data), nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestNativePipesCarryFailures is TestPipesCarryFailures on the native
// client.
func TestNativePipesCarryFailures(t *testing.T) {
	nativeOnly(t)
	_, text := sshdCommand(t, nil)
	c, _ := Parse(text)
	pipesCarryFailures(t, c)
}

// TestNativeConnectionLost: the server side of the connection dies in the
// middle of a command: status 255, and the output pipe ends with the
// error, not as a clean end.
func TestNativeConnectionLost(t *testing.T) {
	nativeOnly(t)
	_, text := sshdCommand(t, nil)
	c, _ := Parse(text)
	outR, outW := io.Pipe()
	var stderr bytes.Buffer
	p, err := c.Start(context.Background(), "echo $PPID; exec sleep 600", nil, outW, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(outR)
	line, err := br.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	// The remote shell's parent is sshd's process for this connection.
	var pid int
	if _, err := fmt.Sscan(line, &pid); err != nil || pid <= 1 {
		t.Fatalf("sshd pid %q", line)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if rest, err := io.ReadAll(br); err == nil {
		t.Errorf("output ended cleanly (%q) on a lost connection", rest)
	}
	var ee *ExitError
	if err := p.Wait(); !errors.As(err, &ee) || ee.Code != 255 {
		t.Errorf("wait: %v", err)
	}
	if !strings.Contains(stderr.String(), "ssh: connection to ") {
		t.Errorf("stderr %q", stderr.String())
	}
}
