package catalog

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const sampleHome = "testdata/barman34"

// sampleGlob returns the files of the sample whose base name is name.
func sampleGlob(name string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(sampleHome, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == name {
			out = append(out, p)
		}
		return err
	})
	return out, err
}

// sampleFiles returns the files of the Barman 3.4 sample whose base name
// is name, relative to sampleHome.
func sampleFiles(t *testing.T, name string) []string {
	t.Helper()
	out, err := sampleGlob(name)
	if err != nil || len(out) == 0 {
		t.Fatalf("no %s in %s: %v", name, sampleHome, err)
	}
	return out
}

func TestSampleBackupInfoRoundTrip(t *testing.T) {
	for _, p := range sampleFiles(t, "backup.info") {
		want, _ := os.ReadFile(p)
		b, err := ReadBackupInfo(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := b.Marshal(); !bytes.Equal(got, want) {
			t.Errorf("%s: written back differently:\n%s\nwant:\n%s", p, got, want)
		}
		if b.ID != filepath.Base(filepath.Dir(p)) {
			t.Errorf("%s: ID %q", p, b.ID)
		}
	}
}

func TestSampleXlogDBRoundTrip(t *testing.T) {
	for _, p := range sampleFiles(t, "xlog.db") {
		want, _ := os.ReadFile(p)
		entries, err := ReadXlogDB(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := FormatXlogDB(entries); !bytes.Equal(got, want) {
			t.Errorf("%s: written back differently:\n%s\nwant:\n%s", p, got, want)
		}
	}
}

func TestSampleIdentity(t *testing.T) {
	for _, server := range []string{"pg", "pgfail"} {
		l := NewLayout(sampleHome, server, Dirs{})
		id, err := l.ReadIdentity()
		if err != nil {
			t.Fatal(err)
		}
		want, _ := os.ReadFile(l.IdentityPath())
		if id.Version != "15" || len(id.SystemID) < 10 || !bytes.Equal(id.Marshal(), want) {
			t.Errorf("%s: identity %+v marshals to %q, want %q", server, id, id.Marshal(), want)
		}
	}
}

// sampleTree reads tree.txt: the paths (relative to barman_home) of the
// sample's files and directories, by type ("f" or "d").
func sampleTree(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(sampleHome, "tree.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tree := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.SplitN(sc.Text(), " ", 4)
		if len(fields) == 4 {
			tree[fields[3]] = fields[0]
		}
	}
	return tree
}

func TestSampleLayout(t *testing.T) {
	tree := sampleTree(t)
	l := NewLayout(sampleHome, "pg", Dirs{})
	rel := func(p string) string { r, _ := filepath.Rel(sampleHome, p); return r }
	for _, d := range []string{l.BackupDir(), l.BaseBackupsDir(), l.WALsDir(), l.IncomingDir(), l.StreamingDir(), l.ErrorsDir()} {
		if tree[rel(d)] != "d" {
			t.Errorf("directory %s not in the sample tree", rel(d))
		}
	}
	if got := rel(l.XlogDBPath()); got != "pg/wals/xlog.db" || tree[got] != "f" {
		t.Errorf("XlogDBPath = %s", got)
	}
	entries, err := l.ReadXlogDB()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if p := rel(l.WALPath(e.Name)); tree[p] != "f" {
			t.Errorf("WALPath(%s) = %s, not in the sample tree", e.Name, p)
		}
	}
}
