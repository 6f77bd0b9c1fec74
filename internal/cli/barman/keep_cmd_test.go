package barman

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// keep --status, --target and --release print and write what Barman 3.4
// does: "Server pg:" and "\tKeep: full", the annotation file holding the
// target without a newline, removed with its directory on release.
func TestKeep(t *testing.T) {
	c := newCat34(t, false, nil)
	step := func(want string, args ...string) {
		t.Helper()
		out, errs, code := c.run(append([]string{"keep"}, args...)...)
		if code != 0 || errs != "" || out != want {
			t.Errorf("keep %v: exit %d, stdout %q, stderr %q; want %q", args, code, out, errs, want)
		}
	}
	step("Server pg:\n\tKeep: full\n", "--status", "pg", "oldest")
	step("Server pg:\n\tKeep: nokeep\n", "-s", "pg", "latest")
	out, _, _ := c.run("-f", "json", "keep", "--status", "pg", "oldest")
	sameJSON(t, "keep --status -f json", out, `{"pg": {"keep_status": {"description": "Keep", "message": "full"}}}`)

	step("Backup 20261125T152856 of server pg is kept (standalone): the retention policy will not remove it\n", "--target", "standalone", "pg", "latest")
	if got := c.read("pg/base/20261125T152856/annotations/keep"); got != "standalone" {
		t.Errorf("annotation %q", got)
	}
	step("Server pg:\n\tKeep: standalone\n", "--status", "pg", "latest")
	step("Backup 20261125T152856 of server pg is no longer kept: it follows the retention policy\n", "--release", "pg", "latest")
	if c.exists("pg/base/20261125T152856/annotations") {
		t.Error("the annotations directory is left")
	}
	step("Server pg:\n\tKeep: nokeep\n", "--status", "pg", "latest")
	// Releasing a backup that is not kept does nothing.
	step("Backup 20261125T152856 of server pg is no longer kept: it follows the retention policy\n", "-r", "pg", "latest")
}

func TestKeepRefused(t *testing.T) {
	c := newCat34(t, false, nil)
	out, errs, code := c.run("keep", "--target", "full", "pgfail", "20261125T152859")
	if code != 1 || out != "" || errs != "ERROR: Cannot add keep to backup 20261125T152859 because it has status FAILED. Only backups with status DONE can be kept.\n" {
		t.Errorf("keep of a FAILED backup: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(c.home, "pgfail/base/20261125T152859/annotations")); err == nil {
		t.Error("an annotation was written")
	}
	for _, args := range [][]string{{"pg", "latest"}, {"--status", "--release", "pg", "latest"}, {"--target", "forever", "pg", "latest"}} {
		_, errs, code := c.run(append([]string{"keep"}, args...)...)
		if code != 2 || errs == "" {
			t.Errorf("keep %v: exit %d, stderr %q", args, code, errs)
		}
	}
	if _, errs, code := c.run("keep", "-s", "pg", "nosuch"); code != 1 || errs != "ERROR: Unknown backup 'nosuch' for server 'pg'\n" {
		t.Errorf("unknown backup: exit %d, %q", code, errs)
	}
}

// show-server shows the policy as Barman does (canonical text, MAIN) and
// two lines of Barman's status: enforced or not, and minimum_redundancy.
func TestShowServerRetention(t *testing.T) {
	c := newCat34(t, false, map[string]string{"pg": "retention_policy = redundancy 2\nminimum_redundancy = 3\n"})
	out, _, _ := c.run("show-server", "pg")
	for _, want := range []string{"\tretention_policy: REDUNDANCY 2\n", "\twal_retention_policy: MAIN\n",
		"\tretention_policies: enforced (mode: auto, retention: REDUNDANCY 2, WAL retention: MAIN)\n",
		"\tminimum_redundancy_requirements: FAILED (2/3)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("show-server lacks %q:\n%s", want, out)
		}
	}
	out, _, _ = c.run("show-server", "pgfail")
	for _, want := range []string{"\tretention_policy: None\n", "\tretention_policies: not enforced\n", "\tminimum_redundancy_requirements: satisfied (0/0)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("show-server pgfail lacks %q:\n%s", want, out)
		}
	}
}
