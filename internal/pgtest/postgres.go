package pgtest

import (
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Options configures StartPostgres. The zero value is a server with
// archive_mode=on and no archive_command.
type Options struct {
	ArchiveMode string // "on" (default), "off" or "always"
	// ArchiveCommand is run by the PostgreSQL OS user (Postgres.OSUser):
	// the caller makes every directory it writes to writable by that user.
	ArchiveCommand string
	// Settings are extra postgresql.conf settings, written after the
	// harness defaults so they override them (e.g. "fsync": "on").
	Settings map[string]string
	// Password, when set, becomes the superuser's password and TCP
	// connections (127.0.0.1) must use scram-sha-256; the unix socket
	// stays trusted.
	Password string
	// InitdbArgs are extra initdb arguments (e.g. "--data-checksums").
	InitdbArgs []string
}

// Postgres is a running PostgreSQL server owned by one test.
type Postgres struct {
	Host      string // always 127.0.0.1
	Port      int
	Superuser string // the database superuser: "postgres"
	Password  string // Options.Password
	OSUser    string // the OS account that owns DataDir and runs the server
	Dir       string // the work directory holding all of the below
	DataDir   string
	SocketDir string
	LogFile   string // the server's stderr, kept across restarts

	acct *account
	proc *daemon
}

// BinDir is where the PostgreSQL programs are: $BARMAN_TEST_PG_BINDIR, or
// /usr/lib/postgresql/15/bin.
func BinDir() string {
	if d := os.Getenv("BARMAN_TEST_PG_BINDIR"); d != "" {
		return d
	}
	return "/usr/lib/postgresql/15/bin"
}

// Bin is the path of a PostgreSQL program (psql, pg_basebackup, ...).
func Bin(name string) string { return filepath.Join(BinDir(), name) }

// StartPostgres runs initdb in a new temporary directory and starts a
// server listening on 127.0.0.1 on a free port, with wal_level=replica and
// max_wal_senders=10. It is stopped (immediate mode) and its directory
// removed when the test ends; if the test failed, the tail of the server
// log is logged first.
func StartPostgres(t testing.TB, opt Options) *Postgres {
	t.Helper()
	Require(t, "PostgreSQL", Bin("initdb"), Bin("postgres"), Bin("psql"))
	a := pgAccount(t)
	dir := workDir(t, "pg")
	p := &Postgres{
		Host: "127.0.0.1", Superuser: "postgres", Password: opt.Password, OSUser: a.Name,
		Dir: dir, DataDir: filepath.Join(dir, "data"), SocketDir: filepath.Join(dir, "run"),
		LogFile: filepath.Join(dir, "postgres.log"), acct: a,
	}
	mkdirOwned(t, a, p.DataDir, 0o700)
	mkdirOwned(t, a, p.SocketDir, 0o755)
	p.initdb(t, opt)
	t.Cleanup(func() { p.cleanup(t) })
	p.startOnFreePort(t, opt)
	return p
}

func (p *Postgres) initdb(t testing.TB, opt Options) {
	t.Helper()
	args := []string{"-D", p.DataDir, "-U", p.Superuser, "-E", "UTF8", "--locale=C",
		"--no-sync", "--no-instructions", "-A", "trust"}
	if opt.Password != "" {
		pwfile := filepath.Join(p.SocketDir, "pwfile")
		if err := writeOwned(p.acct, pwfile, []byte(opt.Password+"\n"), 0o600); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
		defer os.Remove(pwfile)
		args = append(args, "--pwfile", pwfile, "--auth-host=scram-sha-256")
	}
	args = append(args, opt.InitdbArgs...)
	if out, err := p.bare("initdb", args...).CombinedOutput(); err != nil {
		t.Fatalf("pgtest: initdb: %v\n%s", err, out)
	}
	include := []byte("\ninclude 'pgtest.conf'\n")
	if err := appendFile(filepath.Join(p.DataDir, "postgresql.conf"), include); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// writeConf writes DataDir/pgtest.conf: the harness defaults, then
// opt.Settings in name order.
func (p *Postgres) writeConf(t testing.TB, opt Options) {
	t.Helper()
	mode := opt.ArchiveMode
	if mode == "" {
		mode = "on"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# written by pgtest: settings of this test server\n")
	fmt.Fprintf(&b, "listen_addresses = '127.0.0.1'\nport = %d\n", p.Port)
	fmt.Fprintf(&b, "unix_socket_directories = %s\n", confQuote(p.SocketDir))
	fmt.Fprintf(&b, "wal_level = replica\nmax_wal_senders = 10\nmax_replication_slots = 10\n")
	fmt.Fprintf(&b, "archive_mode = %s\narchive_command = %s\n", mode, confQuote(opt.ArchiveCommand))
	fmt.Fprintf(&b, "fsync = off\nshared_buffers = 16MB\nmax_connections = 50\n")
	fmt.Fprintf(&b, "log_line_prefix = '%%m [%%p] '\n")
	for _, k := range slices.Sorted(maps.Keys(opt.Settings)) {
		fmt.Fprintf(&b, "%s = %s\n", k, confQuote(opt.Settings[k]))
	}
	conf := filepath.Join(p.DataDir, "pgtest.conf")
	if err := writeOwned(p.acct, conf, []byte(b.String()), 0o600); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
}

// startOnFreePort starts the server, trying new ports while the chosen
// one turns out to be taken.
func (p *Postgres) startOnFreePort(t testing.TB, opt Options) {
	t.Helper()
	var err error
	for range 5 {
		p.Port = freePort(t)
		p.writeConf(t, opt)
		if err = p.launch(); err != errAddrInUse {
			break
		}
	}
	if err != nil {
		t.Fatalf("pgtest: starting PostgreSQL: %v\n%s", err, tail(p.LogFile, 20))
	}
}

func (p *Postgres) cleanup(t testing.TB) {
	if p.proc != nil {
		p.proc.halt(syscall.SIGQUIT, 10*time.Second)
		p.proc = nil
	}
	if t.Failed() {
		t.Logf("pgtest: tail of PostgreSQL log %s:\n%s", p.LogFile, tail(p.LogFile, 40))
	}
}

// Command prepares a program to run as the PostgreSQL OS user, in Dir,
// with PGHOST (the socket directory), PGPORT, PGUSER and PGDATABASE set.
// A bare name found in BinDir is run from there, other names from $PATH.
func (p *Postgres) Command(name string, args ...string) *exec.Cmd {
	cmd := p.bare(name, args...)
	cmd.Env = append(cmd.Env, "PGHOST="+p.SocketDir, fmt.Sprintf("PGPORT=%d", p.Port),
		"PGUSER="+p.Superuser, "PGDATABASE=postgres")
	return cmd
}

// bare is Command without the PG* variables.
func (p *Postgres) bare(name string, args ...string) *exec.Cmd {
	if !strings.Contains(name, "/") && executable(Bin(name)) {
		name = Bin(name)
	}
	return p.acct.command(p.Dir, name, args...)
}

func appendFile(file string, data []byte) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
