package pgtest

import (
	"bytes"
	"fmt"
	"github.com/gobarman/barman/pkg/shell"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SSHDPath is the OpenSSH server the harness runs.
const SSHDPath = "/usr/sbin/sshd"

// SSHD is a real OpenSSH server on 127.0.0.1 with its own configuration,
// host key and client keys, owned by one test. Two client keys exist: the
// barman key (owned by the user running the tests) may log in as any user;
// the PostgreSQL key (owned by the PostgreSQL OS user, mode 0600) may log
// in only as the user running the tests.
type SSHD struct {
	Host    string // always 127.0.0.1
	Port    int
	Dir     string // the work directory: configuration, keys, log
	LogFile string // sshd's stderr (-e)

	barman, pg *account
	barmanKey  string
	pgKey      string
	proc       *daemon
}

// StartSSHD starts sshd -D -e as a child process on a free port and waits
// until a key login works. It is killed and its directory removed when the
// test ends; if the test failed, the tail of its log is logged first.
func StartSSHD(t testing.TB) *SSHD {
	t.Helper()
	Require(t, "OpenSSH", SSHDPath, "ssh", "ssh-keygen")
	s := &SSHD{Host: "127.0.0.1", barman: currentAccount(t), pg: pgAccount(t)}
	for _, a := range []*account{s.barman, s.pg} {
		if msg := loginProblem(a.Name); msg != "" {
			Unavailable(t, "sshd would refuse a login: %s", msg)
		}
	}
	if os.Geteuid() == 0 {
		_ = os.MkdirAll("/run/sshd", 0o755) // privilege separation directory
	}
	s.Dir = workDir(t, "sshd")
	s.LogFile = filepath.Join(s.Dir, "sshd.log")
	s.makeKeys(t)
	t.Cleanup(func() { s.cleanup(t) })
	s.startOnFreePort(t)
	s.waitLogin(t)
	return s
}

// makeKeys creates the host key, the two client keys and the authorized
// keys files: DIR/authorized_keys (any user) holds the barman key,
// DIR/authorized_keys.<barman user> the PostgreSQL key.
func (s *SSHD) makeKeys(t testing.TB) {
	t.Helper()
	keygen(t, filepath.Join(s.Dir, "ssh_host_ed25519_key"))
	mkdirOwned(t, s.barman, filepath.Join(s.Dir, "barman"), 0o700)
	mkdirOwned(t, s.pg, filepath.Join(s.Dir, "pg"), 0o700)
	s.barmanKey = filepath.Join(s.Dir, "barman", "id_ed25519")
	s.pgKey = filepath.Join(s.Dir, "pg", "id_ed25519")
	keygen(t, s.barmanKey)
	keygen(t, s.pgKey)
	for _, f := range []string{s.pgKey, s.pgKey + ".pub"} {
		if err := s.pg.own(f); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	copyFile(t, s.barmanKey+".pub", filepath.Join(s.Dir, "authorized_keys"))
	copyFile(t, s.pgKey+".pub", filepath.Join(s.Dir, "authorized_keys."+s.barman.Name))
}

func keygen(t testing.TB, file string) {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "pgtest", "-f", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pgtest: ssh-keygen: %v\n%s", err, out)
	}
}

func copyFile(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err == nil {
		err = os.WriteFile(to, b, 0o644)
	}
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// writeConfig writes sshd_config for s.Port, and the client ssh_config.
func (s *SSHD) writeConfig(t testing.TB) {
	t.Helper()
	q := strconv.Quote
	conf := fmt.Sprintf(`# written by pgtest
Port %d
ListenAddress 127.0.0.1
HostKey %s
PidFile none
UsePAM no
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AuthorizedKeysFile %s %s
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
MaxStartups 100:30:200
MaxSessions 100
Subsystem sftp internal-sftp
LogLevel INFO
`, s.Port, q(filepath.Join(s.Dir, "ssh_host_ed25519_key")),
		q(filepath.Join(s.Dir, "authorized_keys")), q(filepath.Join(s.Dir, "authorized_keys.%u")))
	client := fmt.Sprintf(`# written by pgtest
Host pg
    HostName 127.0.0.1
    Port %d
    User %s
    IdentityFile %s
    IdentitiesOnly yes
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    BatchMode yes
    LogLevel ERROR
    ConnectTimeout 10
`, s.Port, s.pg.Name, q(s.barmanKey))
	err1 := os.WriteFile(filepath.Join(s.Dir, "sshd_config"), []byte(conf), 0o600)
	err2 := os.WriteFile(s.ConfigFile(), []byte(client), 0o600)
	if err1 != nil || err2 != nil {
		t.Fatalf("pgtest: writing ssh configuration: %v %v", err1, err2)
	}
}

func (s *SSHD) startOnFreePort(t testing.TB) {
	t.Helper()
	var err error
	for range 5 {
		s.Port = freePort(t)
		s.writeConfig(t)
		if err = s.launch(); err != errAddrInUse {
			break
		}
	}
	if err != nil {
		t.Fatalf("pgtest: starting sshd: %v\n%s", err, tail(s.LogFile, 20))
	}
}

// launch starts sshd and waits until its port accepts connections.
func (s *SSHD) launch() error {
	cmd := exec.Command(SSHDPath, "-D", "-e", "-f", filepath.Join(s.Dir, "sshd_config"))
	cmd.Dir = s.Dir
	d, offset, err := startDaemon(cmd, s.LogFile)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	waitFor(10*time.Second, func() bool { return d.exited() || dialable(addr) })
	if d.exited() {
		if bytes.Contains(logSince(s.LogFile, offset), []byte("Address already in use")) {
			return errAddrInUse
		}
		return fmt.Errorf("sshd exited: %v", cmd.ProcessState)
	}
	s.proc = d
	return nil
}

func dialable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}

// waitLogin waits until `ssh ... true` works with the barman key.
func (s *SSHD) waitLogin(t testing.TB) {
	t.Helper()
	var out []byte
	var err error
	ok := waitFor(10*time.Second, func() bool {
		args := append(s.sshArgs(s.barmanKey), s.barman.Name+"@"+s.Host, "true")
		out, err = exec.Command(args[0], args[1:]...).CombinedOutput()
		return err == nil
	})
	if !ok {
		t.Fatalf("pgtest: ssh login to the test sshd fails: %v\n%s\n%s", err, out, tail(s.LogFile, 20))
	}
}

func (s *SSHD) cleanup(t testing.TB) {
	if s.proc != nil {
		s.proc.halt(syscall.SIGTERM, 5*time.Second)
		s.proc = nil
	}
	if t.Failed() {
		t.Logf("pgtest: tail of sshd log %s:\n%s", s.LogFile, tail(s.LogFile, 40))
	}
}

// sshArgs is the ssh command line, without destination, using key. -F
// /dev/null keeps the caller's ~/.ssh/config and /etc/ssh out of the test.
func (s *SSHD) sshArgs(key string) []string {
	return []string{"ssh", "-F", "/dev/null", "-p", strconv.Itoa(s.Port), "-i", key,
		"-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		"-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"}
}

// command is the ssh_command: the program bare (a configuration value
// that starts and ends with a quote loses them, as in Barman), then each
// argument quoted.
func (s *SSHD) command(key, user string) string {
	args := append(s.sshArgs(key), user+"@"+s.Host)
	return args[0] + " " + strings.Join(shell.QuoteAll(args[1:]), " ")
}

// CommandAs is an ssh command (a barman ssh_command, split by shell rules)
// with which the user running the tests logs in as user.
func (s *SSHD) CommandAs(user string) string { return s.command(s.barmanKey, user) }

// ToPostgres is the guide's `ssh postgres@pg`: the barman side logging in
// as the OS user of pg.
func (s *SSHD) ToPostgres(pg *Postgres) string { return s.CommandAs(pg.OSUser) }

// ToBarman is the other way: an ssh command the PostgreSQL OS user runs
// (e.g. in archive_command, or through Postgres.Command) to log in as the
// user running the tests. Its key is owned by the PostgreSQL OS user.
func (s *SSHD) ToBarman() string { return s.command(s.pgKey, s.barman.Name) }

// ConfigFile is an ssh_config file, for the user running the tests, with a
// `Host pg` alias: `ssh -F FILE pg` logs in as the PostgreSQL OS user.
func (s *SSHD) ConfigFile() string { return filepath.Join(s.Dir, "ssh_config") }
