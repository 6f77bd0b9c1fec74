package clitest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
)

// run runs a registered tool (a copy of the test binary on $PATH) and
// returns its standard output, standard error and exit code.
func run(t *testing.T, tool string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", tool, err)
	}
	return stdout.String(), stderr.String(), code
}

// site is a barman_home with a configuration for one PostgreSQL server.
type site struct {
	home, conf, incoming string
}

func newSite(t *testing.T, server string, extra string) *site {
	t.Helper()
	base := pgtest.TempDir(t)
	s := &site{home: filepath.Join(base, "home"), conf: filepath.Join(base, "barman.conf")}
	s.incoming = filepath.Join(s.home, "main", "incoming")
	if err := os.MkdirAll(s.incoming, 0o755); err != nil {
		t.Fatal(err)
	}
	pgtest.ChownToOSUser(t, s.incoming)
	u, _ := user.Current()
	conf := fmt.Sprintf("[barman]\nbarman_home = %s\nbarman_user = %s\n\n[main]\ndescription = \"Main PostgreSQL Database\"\n%s\n%s\n",
		s.home, u.Username, server, extra)
	if err := os.WriteFile(s.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *site) rewrite(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(s.conf)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), from) {
		t.Fatalf("configuration lacks %q", from)
	}
	os.WriteFile(s.conf, []byte(strings.Replace(string(data), from, to, 1)), 0o644)
}

// waitForWAL forces a WAL switch and waits until a segment is in dir.
func waitForWAL(t *testing.T, pg *pgtest.Postgres, dir string) {
	t.Helper()
	pg.SQL(t, "CREATE TABLE IF NOT EXISTS marker(x int); INSERT INTO marker VALUES (1)")
	pg.SQL(t, "SELECT pg_switch_wal()")
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if ents, _ := os.ReadDir(dir); len(ents) > 0 {
			return
		}
	}
	t.Fatalf("no WAL arrived in %s; server log:\n%s", dir, tail(pg.LogFile))
}

func tail(file string) string {
	data, _ := os.ReadFile(file)
	if len(data) > 2000 {
		data = data[len(data)-2000:]
	}
	return string(data)
}

var checkLine = regexp.MustCompile(`^\t([^:]+): (OK|FAILED)( \((.*)\))?$`)

// parseCheck maps check names to "OK" or "FAILED (hint)".
func parseCheck(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n")[1:] {
		g := checkLine.FindStringSubmatch(line)
		if g == nil {
			t.Fatalf("bad check line %q in:\n%s", line, out)
		}
		m[g[1]] = strings.TrimSpace(g[2] + " " + g[4])
	}
	return m
}

func wantCheck(t *testing.T, got map[string]string, name, want string) {
	t.Helper()
	v, ok := got[name]
	if !ok {
		t.Errorf("check %q missing; have %v", name, got)
		return
	}
	if !strings.HasPrefix(v, want) {
		t.Errorf("check %q = %q, want prefix %q", name, v, want)
	}
}

func TestCheckAgainstPostgres(t *testing.T) {
	s := newSite(t, "", "")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "test ! -f " + s.incoming + "/%f && cp %p " + s.incoming + "/%f"})
	sshd := pgtest.StartSSHD(t)
	s = newSite(t, "conninfo = "+pg.ConnInfo()+"\nssh_command = "+sshd.ToPostgres(pg), "")
	// The archive_command above points at the first site's incoming
	// directory: re-point it at this one.
	pg.SQL(t, "ALTER SYSTEM SET archive_command = 'test ! -f "+s.incoming+"/%f && cp %p "+s.incoming+"/%f'")
	pg.Reload(t)
	waitForWAL(t, pg, s.incoming)

	t.Run("all OK", func(t *testing.T) {
		out, errOut, code := run(t, "barman", "-c", s.conf, "check", "main")
		if code != 0 {
			t.Errorf("exit %d\n%s%s", code, out, errOut)
		}
		if !strings.HasPrefix(out, "Server main:\n") {
			t.Errorf("output:\n%s", out)
		}
		got := parseCheck(t, out)
		for name, v := range got {
			if v != "OK" && !strings.HasPrefix(v, "OK ") {
				t.Errorf("%s: %s", name, v)
			}
		}
		for _, name := range []string{"PostgreSQL", "superuser or standard user with backup privileges",
			"wal_level", "directories", "ssh", "ssh output clean", "archive_mode", "archive_command",
			"continuous archiving", "systemid coherence", "minimum redundancy requirements",
			"retention policy settings", "configuration"} {
			if _, ok := got[name]; !ok {
				t.Errorf("check %q missing", name)
			}
		}
		out, _, code = run(t, "barman", "-c", s.conf, "check", "--nagios", "all")
		if code != 0 || !strings.HasPrefix(out, "BARMAN OK - Ready to serve the Espresso backup for main|main=") {
			t.Errorf("nagios exit %d: %s", code, out)
		}
	})

	t.Run("show-server", func(t *testing.T) {
		out, errOut, code := run(t, "barman", "-c", s.conf, "show-server", "main")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		for _, want := range []string{
			"\tincoming_wals_directory: " + s.incoming + "\n",
			"\tpostgres_systemid: " + pg.SystemID(t) + "\n",
			"\tdata_directory: " + pg.DataDir + "\n",
			"\twal_level: replica\n",
			"\tarchive_mode: on\n",
			"\tserver_txt_version: 15.",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("show-server lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("wrong port", func(t *testing.T) {
		bad := newSite(t, "conninfo = "+strings.Replace(pg.ConnInfo(), fmt.Sprintf("port=%d", pg.Port), fmt.Sprintf("port=%d", pg.Port+1), 1), "")
		out, _, code := run(t, "barman", "-c", bad.conf, "check", "main")
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		got := parseCheck(t, out)
		wantCheck(t, got, "PostgreSQL", "FAILED")
		if !strings.Contains(got["PostgreSQL"], "connection refused") || !strings.Contains(got["PostgreSQL"], "check host and port") {
			t.Errorf("hint: %s", got["PostgreSQL"])
		}
		out, _, code = run(t, "barman", "-c", bad.conf, "check", "--nagios", "main")
		if code != 2 || !strings.HasPrefix(out, "BARMAN CRITICAL - server main has issues * main FAILED: PostgreSQL") {
			t.Errorf("nagios exit %d: %s", code, out)
		}
	})

	t.Run("system identifier differs", func(t *testing.T) {
		id := filepath.Join(s.home, "main", "identity.json")
		if err := os.WriteFile(id, []byte(`{"systemid": "7000000000000000001", "version": "15"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(id)
		out, _, code := run(t, "barman", "-c", s.conf, "check", "main")
		if code != 1 {
			t.Errorf("exit %d", code)
		}
		got := parseCheck(t, out)
		wantCheck(t, got, "systemid coherence", "FAILED")
		if !strings.Contains(got["systemid coherence"], "7000000000000000001") || !strings.Contains(got["systemid coherence"], pg.SystemID(t)) {
			t.Errorf("hint: %s", got["systemid coherence"])
		}
	})

	t.Run("barman_home not writable", func(t *testing.T) {
		base := pgtest.TempDir(t) // root-owned, 0755
		locked := newSite(t, "conninfo = "+pg.ConnInfo(), "")
		locked.rewrite(t, "barman_home = "+locked.home, "barman_home = "+filepath.Join(base, "home"))
		os.MkdirAll(filepath.Join(base, "home"), 0o755)
		u, _ := user.Current()
		locked.rewrite(t, "barman_user = "+u.Username, "barman_user = "+pg.OSUser)
		if u.Uid != "0" {
			pgtest.Unavailable(t, "needs root to run barman as another barman_user")
		}
		out, errOut, code := run(t, "barman", "-c", locked.conf, "check", "main")
		if code != 1 {
			t.Errorf("exit %d: %s", code, errOut)
		}
		got := parseCheck(t, out)
		wantCheck(t, got, "directories", "FAILED")
		if !strings.Contains(got["directories"], "permission denied") {
			t.Errorf("hint: %s", got["directories"])
		}
	})

	t.Run("archive_mode off", func(t *testing.T) {
		pg.SQL(t, "ALTER SYSTEM SET archive_mode = off")
		pg.Restart(t)
		defer func() { pg.SQL(t, "ALTER SYSTEM RESET archive_mode"); pg.Restart(t) }()
		out, _, code := run(t, "barman", "-c", s.conf, "check", "main")
		if code != 1 {
			t.Errorf("exit %d", code)
		}
		got := parseCheck(t, out)
		wantCheck(t, got, "archive_mode", "FAILED archive_mode is 'off': please set it to 'on'")
		wantCheck(t, got, "PostgreSQL", "OK")
	})
}

func TestCheckWrongPassword(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Password: "right-one"})
	s := newSite(t, "conninfo = "+strings.Replace(pg.ConnInfo(), "password=right-one", "password=wrong-one", 1), "")
	out, _, code := run(t, "barman", "-c", s.conf, "check", "main")
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	got := parseCheck(t, out)
	wantCheck(t, got, "PostgreSQL", "FAILED")
	if !strings.Contains(got["PostgreSQL"], "password authentication failed") || strings.Contains(out, "wrong-one") {
		t.Errorf("hint: %s", got["PostgreSQL"])
	}
	s = newSite(t, "conninfo = "+pg.ConnInfo(), "")
	out, _, _ = run(t, "barman", "-c", s.conf, "check", "main")
	wantCheck(t, parseCheck(t, out), "PostgreSQL", "OK")
	out, _, _ = run(t, "barman", "-c", s.conf, "show-server", "main")
	if strings.Contains(out, "right-one") || !strings.Contains(out, "password=********") {
		t.Errorf("password not masked:\n%s", out)
	}
}
