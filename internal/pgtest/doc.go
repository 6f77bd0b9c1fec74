// Package pgtest is the test harness for real components: a PostgreSQL 15
// server and an OpenSSH server, each in a temporary directory owned by one
// test, with no mocks.
//
//	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + dir + "/%f"})
//	pg.Pgbench(t, "-i", "-s", "1")
//	sshd := pgtest.StartSSHD(t)
//	cfg := "ssh_command = " + sshd.ToPostgres(pg) + "\nconninfo = " + pg.ConnInfo()
//
// # Missing components fail
//
// When a component is missing (no PostgreSQL binaries, no sshd, no way to
// get an OS user, not root, no flock(1) or pg_verifybackup), the test
// fails with t.Fatalf: `make test` must never pass without running what it
// claims to test. Require and Unavailable apply that rule to every test
// of the module. On a laptop, BARMAN_TEST_ALLOW_SKIP=1 (any value
// strconv.ParseBool accepts as true) turns these failures into t.Skip,
// except under CI=true, which is always strict.
//
// A test of a permission error, which root never gets, runs as root
// through WithoutRoot: again, in a child process, as the PostgreSQL OS
// user, instead of skipping.
//
// # The PostgreSQL OS user
//
// PostgreSQL refuses to run as root. When the tests run as root (as in CI),
// the server runs as the account DefaultOSUser ("barmantest-pg"), created
// on first use with useradd --system --create-home --shell /bin/bash and the
// password field "*". The Debian "postgres" account is not used: its
// password field is "!" (locked), and sshd without PAM refuses logins to
// locked accounts even with keys. BARMAN_TEST_PG_USER names another
// existing account. When the tests do not run as root, everything runs as
// the current user. Commands run as that user through
// SysProcAttr.Credential (see Postgres.Command), not through runuser or sudo.
//
// The database superuser is always "postgres". An archive_command runs as
// the OS user: the caller makes its destination writable by that user
// (TempDir gives a traversable parent, ChownToOSUser gives the directory).
//
// # Processes and directories
//
// postgres and sshd run as direct children of the test binary, each in its
// own process group, with a parent-death signal (SIGKILL): a test binary
// killed by -timeout leaves no server behind. Work directories are
// /tmp/pgtest-<pid>-<kind>-<random>, mode 0755 (short paths, so unix socket
// paths stay under their length limit); each is removed by t.Cleanup, and
// the first harness call of a test binary also removes those left by test
// binaries that no longer run. When a test fails, cleanup logs the tail of
// the server's log.
//
// Servers are tuned to start fast (initdb --no-sync, fsync=off, small
// shared_buffers); Options.Settings overrides any of it, e.g. fsync=on.
//
// # Faults at a known point
//
// A fault test must inject its fault while the code under test is where
// the fault matters, whatever the timing. Gate holds a wrapped command
// (an ssh_command, a filter) at its first matching run until the test has
// injected the fault, and fails the test if the process under test ended
// without getting there.
//
// Environment variables: CI, BARMAN_TEST_ALLOW_SKIP, BARMAN_TEST_PG_USER,
// BARMAN_TEST_PG_BINDIR (default /usr/lib/postgresql/15/bin).
package pgtest
