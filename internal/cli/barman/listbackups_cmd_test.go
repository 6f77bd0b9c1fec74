package barman

import "testing"

func TestListBackupsBarman34(t *testing.T) {
	c := newCat34(t, false, nil)
	for _, tc := range []struct {
		args []string
		want string
		json bool
	}{
		{[]string{"list-backup", "pg"}, c.golden("outputs/list-backup.txt"), false},
		{[]string{"list-backups", "pgfail"}, c.golden("outputs/list-backup-pgfail.txt"), false},
		{[]string{"list-backup", "all"}, c.golden("outputs/list-backup.txt") + c.golden("outputs/list-backup-pgfail.txt"), false},
		{[]string{"list-backup", "pgfail", "pg"}, c.golden("outputs/list-backup.txt") + c.golden("outputs/list-backup-pgfail.txt"), false},
		{[]string{"list-backup", "--minimal", "all"}, c.golden("list-backup-minimal-all.txt"), false},
		{[]string{"-f", "json", "list-backup", "pg"}, c.golden("outputs/list-backup-json.txt"), true},
		{[]string{"-f", "json", "list-backup", "all"}, c.golden("list-backup-json-all.txt"), true},
		{[]string{"-f", "json", "list-backup", "--minimal", "all"}, c.golden("list-backup-json-minimal-all.txt"), true},
	} {
		out, errs, code := c.run(tc.args...)
		switch {
		case code != 0 || errs != "":
			t.Errorf("%v: exit %d, stderr %s", tc.args, code, errs)
		case tc.json:
			sameJSON(t, tc.args[len(tc.args)-1], out, tc.want)
		case out != tc.want:
			t.Errorf("%v:\n got %s\nwant %s", tc.args, out, tc.want)
		}
	}
}

func TestListBackupsSkipsInactive(t *testing.T) {
	c := newCat34(t, false, map[string]string{"pgfail": "active = false\n"})
	out, _, code := c.run("list-backup", "all")
	if want := c.golden("outputs/list-backup.txt"); code != 0 || out != want {
		t.Errorf("exit %d:\n%s", code, out)
	}
	out, _, _ = c.run("list-backup", "nosuch")
	if out != "" {
		t.Errorf("unknown server printed %s", out)
	}
}
