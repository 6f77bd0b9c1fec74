package clitest

import (
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies the regular files of src into dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A barman_home written by Debian's Barman 3.4 (pkg/catalog/testdata)
// is read by check: backups, failed backups, the recorded system
// identifier and the WAL archive sizes.
func TestCheckReadsBarman34Catalogue(t *testing.T) {
	home := filepath.Join(t.TempDir(), "home")
	copyTree(t, "../../../pkg/catalog/testdata/barman34", home)
	u, _ := user.Current()
	conf := filepath.Join(t.TempDir(), "barman.conf")
	text := "[barman]\nbarman_home = " + home + "\nbarman_user = " + u.Username + "\nminimum_redundancy = 2\n" +
		"[pg]\nconninfo = host=127.0.0.1 port=1 connect_timeout=2\n[pgfail]\nconninfo = host=127.0.0.1 port=1 connect_timeout=2\n"
	os.WriteFile(conf, []byte(text), 0o644)

	out, _, code := run(t, "barman", "-c", conf, "check", "pg")
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	got := parseCheck(t, out)
	wantCheck(t, got, "PostgreSQL", "FAILED")
	wantCheck(t, got, "minimum redundancy requirements", "OK have 2 backups, expected at least 2")
	wantCheck(t, got, "failed backups", "OK there are 0 failed backups")
	wantCheck(t, got, "directories", "OK")

	out, _, _ = run(t, "barman", "-c", conf, "check", "pgfail")
	got = parseCheck(t, out)
	wantCheck(t, got, "failed backups", "FAILED there are 1 failed backups")
	wantCheck(t, got, "minimum redundancy requirements", "FAILED have 0 backups, expected at least 2")

	out, _, code = run(t, "barman", "-c", conf, "check", "--nagios", "all")
	if code != 2 {
		t.Errorf("nagios exit %d", code)
	}
	first := strings.SplitN(out, "\n", 2)[0]
	want := "BARMAN CRITICAL - 2 server out of 2 have issues * pg FAILED: PostgreSQL * pgfail FAILED: PostgreSQL, failed backups, minimum redundancy requirements|pg=39533658B pg_wals=1565562B pgfail=0B pgfail_wals=0B"
	if first != want {
		t.Errorf("nagios:\n got %s\nwant %s", first, want)
	}
	if !strings.Contains(out, "\npgfail.failed backups: FAILED (there are 1 failed backups)\n") {
		t.Errorf("nagios details:\n%s", out)
	}
}
