package pgtest

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// ConnInfo is a libpq connection string reaching the server over TCP as
// the superuser, with the password when one is set.
func (p *Postgres) ConnInfo() string {
	s := fmt.Sprintf("host=%s port=%d user=%s dbname=postgres", p.Host, p.Port, p.Superuser)
	if p.Password != "" {
		s += " password=" + connQuote(p.Password)
	}
	return s
}

// Env is the libpq environment (PGHOST, PGPORT, PGUSER, PGDATABASE and
// PGPASSWORD when set) equivalent to ConnInfo, e.g. for testscript.
func (p *Postgres) Env() []string {
	env := []string{"PGHOST=" + p.Host, fmt.Sprintf("PGPORT=%d", p.Port),
		"PGUSER=" + p.Superuser, "PGDATABASE=postgres"}
	if p.Password != "" {
		env = append(env, "PGPASSWORD="+p.Password)
	}
	return env
}

// Query runs query with psql -XAtq through the unix socket, as the OS
// user, and returns its trimmed output; stderr is in the error.
func (p *Postgres) Query(query string) (string, error) {
	cmd := p.Command("psql", "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", query)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("psql %q: %v: %s", query, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// SQL is Query that fails the test on error.
func (p *Postgres) SQL(t testing.TB, query string) string {
	t.Helper()
	out, err := p.Query(query)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return out
}

// Pgbench runs pgbench with args (e.g. "-i", "-s", "1") as the OS user
// against the postgres database.
func (p *Postgres) Pgbench(t testing.TB, args ...string) {
	t.Helper()
	if out, err := p.Command("pgbench", args...).CombinedOutput(); err != nil {
		t.Fatalf("pgtest: pgbench %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// SystemID is the server's system identifier (pg_control_system()).
func (p *Postgres) SystemID(t testing.TB) string {
	t.Helper()
	return p.SQL(t, "SELECT system_identifier FROM pg_control_system()")
}
