package barman

import (
	"fmt"
	"strings"
	"testing"
)

func TestListFilesBarman34(t *testing.T) {
	c := newCat34(t, true, nil)
	for _, id := range []string{"20261125T152849", "20261125T152856"} {
		data := c.golden("list-files-" + id + "-data.txt")
		wal := c.golden("list-files-" + id + "-wal.txt")
		for target, want := range map[string]string{
			"data":       data,
			"standalone": data + c.golden("list-files-"+id+"-standalone-wals.txt"),
			"wal":        wal,
			"full":       data + wal,
		} {
			out, errs, code := c.run("list-files", "--target", target, "pg", id)
			if code != 0 || errs != "" || out != want {
				t.Errorf("%s %s: exit %d, stderr %s\n%s", id, target, code, errs, firstDiff(out, want))
			}
		}
	}
	out, _, _ := c.run("list-files", "pg", "oldest") // standalone by default
	if want := c.golden("list-files-20261125T152849-data.txt") + c.golden("list-files-20261125T152849-standalone-wals.txt"); out != want {
		t.Errorf("default target:\n%s", firstDiff(out, want))
	}
	out, _, _ = c.run("-f", "json", "list-files", "--target", "wal", "pg", "second-backup")
	sameJSON(t, "json", out, c.golden("list-files-json-20261125T152856-wal.txt"))
}

// A failed backup has no WAL files: only its data is listed.
func TestListFilesFailedBackup(t *testing.T) {
	c := newCat34(t, false, nil)
	data := c.home + "/pgfail/base/20261125T152859/backup.info\n"
	for target, want := range map[string]string{"data": data, "standalone": data, "wal": "", "full": data} {
		out, errs, code := c.run("list-files", "--target", target, "pgfail", "last-failed")
		if code != 0 || errs != "" || out != want {
			t.Errorf("%s: exit %d, stderr %s, stdout %s", target, code, errs, out)
		}
	}
	if _, errs, code := c.run("list-files", "--target", "all", "pg", "latest"); code != 2 || !strings.Contains(errs, "--target") {
		t.Errorf("bad target: exit %d, %s", code, errs)
	}
}

// firstDiff shows where two outputs part.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, gl, wl)
		}
	}
	return ""
}
