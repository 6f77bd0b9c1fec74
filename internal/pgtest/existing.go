package pgtest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// StartExisting starts a server on a data directory made by someone else
// (a restored backup): it gives the directory to the OS user, points the
// configuration at a new port and socket directory (pgtest.conf, as
// StartPostgres writes it, with opt's settings), and starts it. Recovery
// settings (recovery.signal, restore_command in opt.Settings) are the
// caller's. The server is stopped when the test ends; the directory is
// left to its owner.
func StartExisting(t testing.TB, dataDir string, opt Options) *Postgres {
	t.Helper()
	Require(t, "PostgreSQL", Bin("postgres"), Bin("psql"))
	a := pgAccount(t)
	dir := workDir(t, "pg")
	p := &Postgres{
		Host: "127.0.0.1", Superuser: "postgres", Password: opt.Password, OSUser: a.Name,
		Dir: dir, DataDir: dataDir, SocketDir: filepath.Join(dir, "run"),
		LogFile: filepath.Join(dir, "postgres.log"), acct: a,
	}
	mkdirOwned(t, a, p.SocketDir, 0o755)
	if err := a.own(dataDir); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := os.Chmod(dataDir, 0o700); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	conf := filepath.Join(dataDir, "postgresql.conf")
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if !bytes.Contains(data, []byte("include 'pgtest.conf'")) {
		if err := appendFile(conf, []byte("\ninclude 'pgtest.conf'\n")); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	t.Cleanup(func() { p.cleanup(t) })
	p.startOnFreePort(t, opt)
	return p
}
