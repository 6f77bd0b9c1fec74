package clitest

import (
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// TestConninfoMasked: a password written with an escaped space is masked
// whole by show-server, and by check and show-server when pgx rejects the
// conninfo, and a % in it is a config error that does not quote it.
func TestConninfoMasked(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Password: "se cret"})
	conninfo := strings.Replace(pg.ConnInfo(), `password='se cret'`, `password=se\ cret`, 1)
	if conninfo == pg.ConnInfo() {
		t.Fatalf("no quoted password in %q", conninfo)
	}
	s := newSite(t, "conninfo = "+conninfo, "")
	noSecret := func(out, errOut string) {
		t.Helper()
		if strings.Contains(out+errOut, "cret") || strings.Contains(out+errOut, "cr%et") {
			t.Errorf("password shown:\n%s%s", out, errOut)
		}
	}
	out, errOut, _ := run(t, "barman", "-c", s.conf, "check", "main")
	wantCheck(t, parseCheck(t, out), "PostgreSQL", "OK")
	noSecret(out, errOut)
	out, errOut, _ = run(t, "barman", "-c", s.conf, "show-server", "main")
	if !strings.Contains(out, "password=********") {
		t.Errorf("show-server lacks the masked password:\n%s", out)
	}
	noSecret(out, errOut)

	s.rewrite(t, conninfo, conninfo+" sslmode=bogus")
	out, errOut, _ = run(t, "barman", "-c", s.conf, "check", "main")
	wantCheck(t, parseCheck(t, out), "PostgreSQL", "FAILED invalid connection string")
	noSecret(out, errOut)
	out, errOut, _ = run(t, "barman", "-c", s.conf, "show-server", "main")
	if !strings.Contains(out, "sslmode is invalid") {
		t.Errorf("show-server lacks the connection error:\n%s", out)
	}
	noSecret(out, errOut)

	s.rewrite(t, `se\ cret`, `se\ cr%et`)
	out, errOut, code := run(t, "barman", "-c", s.conf, "show-server", "main")
	if code == 0 || !strings.Contains(errOut, "conninfo: bad % at byte") {
		t.Errorf("exit %d, want a config error:\n%s%s", code, out, errOut)
	}
	noSecret(out, errOut)
}
