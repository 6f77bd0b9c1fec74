package barman

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShowBackupBarman34(t *testing.T) {
	c := newCat34(t, false, nil)
	for _, tc := range []struct {
		args   []string
		golden string
	}{
		{[]string{"show-backup", "pg", "20261125T152849"}, "outputs/show-backup-20261125T152849.txt"},
		{[]string{"show-backups", "pg", "oldest"}, "outputs/show-backup-20261125T152849.txt"},
		{[]string{"show-backup", "pg", "20261125T152856"}, "outputs/show-backup-20261125T152856.txt"},
		{[]string{"show-backup", "pg", "second-backup"}, "outputs/show-backup-20261125T152856.txt"},
		{[]string{"show-backup", "pg", "last"}, "outputs/show-backup-20261125T152856.txt"},
		{[]string{"show-backup", "pgfail", "last-failed"}, "outputs/show-backup-pgfail-20261125T152859.txt"},
		{[]string{"-f", "json", "show-backup", "pg", "first"}, "show-backup-json-20261125T152849.txt"},
		{[]string{"-f", "json", "show-backup", "pg", "latest"}, "show-backup-json-20261125T152856.txt"},
		{[]string{"-f", "json", "show-backup", "pgfail", "20261125T152859"}, "show-backup-json-pgfail-20261125T152859.txt"},
	} {
		out, errs, code := c.run(tc.args...)
		want := c.golden(tc.golden)
		switch {
		case code != 0 || errs != "":
			t.Errorf("%v: exit %d, stderr %s", tc.args, code, errs)
		case tc.args[0] == "-f":
			sameJSON(t, strings.Join(tc.args, " "), out, want)
		case out != want:
			t.Errorf("%v:\n got %s\nwant %s", tc.args, out, want)
		}
	}
}

// Unknown and ambiguous references: Barman's messages, exit 1.
func TestShowBackupErrors(t *testing.T) {
	c := newCat34(t, false, nil)
	info := filepath.Join(c.home, "pg", "base", "20261125T152849", "backup.info")
	f, _ := os.OpenFile(info, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("backup_name=second-backup\n")
	f.Close()
	for _, tc := range []struct{ args, want string }{
		{"show-backup pg nosuch", "ERROR: Unknown backup 'nosuch' for server 'pg'\n"},
		{"show-backup pg 20200101T000000", "ERROR: Unknown backup '20200101T000000' for server 'pg'\n"},
		{"show-backup pgfail latest", "ERROR: Unknown backup 'latest' for server 'pgfail'\n"},
		{"show-backup pg second-backup", "ERROR: Multiple backups found matching name 'second-backup' (try using backup ID instead): 20261125T152849 20261125T152856\n"},
		{"list-files pg nosuch", "ERROR: Unknown backup 'nosuch' for server 'pg'\n"},
		{"delete pg nosuch", "ERROR: Unknown backup 'nosuch' for server 'pg'\n"},
	} {
		out, errs, code := c.run(strings.Fields(tc.args)...)
		if code != 1 || out != "" || errs != tc.want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", tc.args, code, out, errs)
		}
	}
	out, _, code := c.run("-f", "json", "show-backup", "pg", "nosuch")
	if code != 1 {
		t.Errorf("json: exit %d", code)
	}
	sameJSON(t, "json error", out, `{"_ERROR": ["Unknown backup 'nosuch' for server 'pg'"]}`)
}

// With a retention policy, show-backup and list-backup give each backup
// its retention status as Barman 3.4 does on the same catalogue (the
// oldest backup is kept "full").
func TestShowBackupRetentionPolicy(t *testing.T) {
	c := newCat34(t, false, map[string]string{"pg": "retention_policy = REDUNDANCY 2\n"})
	for ref, want := range map[string]string{"latest": "VALID", "oldest": "KEEP:FULL"} {
		out, _, _ := c.run("show-backup", "pg", ref)
		if !strings.Contains(out, "    Retention Policy     : "+want+"\n") {
			t.Errorf("show-backup %s:\n%s", ref, out)
		}
	}
	out, _, _ := c.run("list-backup", "pg")
	lines := strings.Split(c.golden("outputs/list-backup.txt"), "\n")
	lines[1] += " - KEEP:FULL"
	if want := strings.Join(lines, "\n"); out != want {
		t.Errorf("list-backup:\n%s\nwant:\n%s", out, want)
	}
}
