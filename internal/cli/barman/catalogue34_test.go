package barman

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/user"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Tests of the catalogue commands (list-backups, show-backup, list-files,
// delete) run on a copy of the catalogue Debian's Barman 3.4 wrote, and
// compare with what Barman 3.4 printed for it.
const (
	cat34Sample = "../../../pkg/catalog/testdata/barman34"
	cat34Golden = "testdata/barman34"
)

// cat34 is a barman_home copied from the sample, with its configuration.
type cat34 struct {
	t          *testing.T
	home, conf string
}

// newCat34 copies the sample; with tree, every file and directory of its
// tree.txt is created too (empty files), as list-files needs. extra holds
// configuration lines per section ("barman", "pg", "pgfail").
func newCat34(t *testing.T, tree bool, extra map[string]string) *cat34 {
	t.Helper()
	t.Setenv("TZ", "UTC")
	dir := t.TempDir()
	c := &cat34{t: t, home: filepath.Join(dir, "home"), conf: filepath.Join(dir, "barman.conf")}
	c.copySample()
	if tree {
		c.materialize()
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	text := "[barman]\nbarman_home = " + c.home + "\nbarman_user = " + u.Username + "\n" + extra["barman"]
	for _, s := range []string{"pg", "pgfail"} {
		text += "[" + s + "]\nconninfo = host=127.0.0.1 port=1\nbackup_method = postgres\n" + extra[s]
	}
	if err := os.WriteFile(c.conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *cat34) copySample() {
	err := filepath.WalkDir(cat34Sample, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(cat34Sample, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(c.home, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(c.home, rel), data, 0o644)
	})
	if err != nil {
		c.t.Fatal(err)
	}
}

// materialize creates tree.txt's entries ("type mode size path"); a
// link data/pg_tblspc/OID points to the backup's OID directory.
func (c *cat34) materialize() {
	f, err := os.Open(filepath.Join(cat34Sample, "tree.txt"))
	if err != nil {
		c.t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), " ", 4)
		if len(fields) != 4 {
			continue
		}
		p := filepath.Join(c.home, fields[3])
		os.MkdirAll(filepath.Dir(p), 0o755)
		switch fields[0] {
		case "d":
			err = os.MkdirAll(p, 0o755)
		case "f":
			if _, serr := os.Stat(p); serr != nil {
				err = os.WriteFile(p, nil, 0o644)
			}
		case "l":
			parts := strings.Split(fields[3], "/") // pg/base/ID/data/pg_tblspc/OID
			err = os.Symlink(filepath.Join(c.home, parts[0], parts[1], parts[2], parts[len(parts)-1]), p)
		}
		if err != nil {
			c.t.Fatal(err)
		}
	}
}

// run runs barman with the configuration and returns its outputs.
func (c *cat34) run(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = Main(append([]string{"-c", c.conf}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

// golden reads a Barman 3.4 output of testdata/barman34 (or of the
// sample's outputs/ when name starts with "outputs/"), with HOME replaced
// by this copy's barman_home.
func (c *cat34) golden(name string) string {
	c.t.Helper()
	path := filepath.Join(cat34Golden, name)
	if strings.HasPrefix(name, "outputs/") {
		path = filepath.Join(cat34Sample, name)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		c.t.Fatal(err)
	}
	return strings.ReplaceAll(string(data), "HOME", c.home)
}

// sameJSON compares two JSON documents by value (Barman writes ", " and
// ": " between items, we write none).
func sameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s: %v in %s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: golden: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}
