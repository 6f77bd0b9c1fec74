package restore

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/stream"
)

// fixture is a backup written by basebackup.Sink (the code that writes
// real backups), with its manifest.
type fixture struct {
	dir   string // base/<ID>
	files map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{dir: filepath.Join(t.TempDir(), "base", "20261125T120000"), files: map[string]string{
		"data/PG_VERSION":           "15\n",
		"data/base/5/16385":         strings.Repeat("x", 3<<20+17),
		"data/global/pg_control":    "control",
		"data/tablespace_map":       "16384 /srv/orig/tbs1\n",
		"16384/PG_15_202209061/5/1": "in a tablespace",
	}}
	var manifest bytes.Buffer
	sink := &basebackup.Sink{Dir: f.dir, Server: "main", BackupID: "20261125T120000", Records: stream.NewWriter(&manifest)}
	mt := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	dirs := []basebackup.Entry{{Path: ""}, {Path: "base"}, {Path: "base/5"}, {Path: "global"}, {Path: "pg_tblspc"}, {Path: "pg_wal"},
		{Path: "", TablespaceOID: 16384, Tablespace: "tbs1"}, {Path: "PG_15_202209061", TablespaceOID: 16384, Tablespace: "tbs1"},
		{Path: "PG_15_202209061/5", TablespaceOID: 16384, Tablespace: "tbs1"}}
	for _, d := range dirs {
		d.Mode = os.ModeDir | 0o700
		if err := sink.Mkdir(d); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Symlink(basebackup.Entry{Path: "pg_tblspc/16384", Mode: os.ModeSymlink | 0o777, Link: "/srv/orig/tbs1"}); err != nil {
		t.Fatal(err)
	}
	for p, content := range f.files {
		e := basebackup.Entry{Path: strings.TrimPrefix(p, "data/"), Mode: 0o600, Size: int64(len(content)), MTime: mt}
		if strings.HasPrefix(p, "16384/") {
			e.Path, e.TablespaceOID, e.Tablespace = strings.TrimPrefix(p, "16384/"), 16384, "tbs1"
		}
		if err := sink.File(e, strings.NewReader(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(f.dir, ManifestName), manifest.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) records(t *testing.T) ([]*stream.BackupFile, bool) {
	t.Helper()
	recs, verified, err := Records(f.dir, map[uint32]string{16384: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return recs, verified
}

// check compares the destination with the fixture.
func (f *fixture) check(t *testing.T, m Mapping, replaced map[string][]byte) {
	t.Helper()
	for p, content := range f.files {
		if r, ok := replaced[p]; ok {
			content = string(r)
		}
		dest, _, err := m.Target(p)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(dest)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if string(got) != content {
			t.Errorf("%s: restored content differs (%d bytes, want %d)", p, len(got), len(content))
		}
	}
	link, err := os.Readlink(filepath.Join(m.Dest, "pg_tblspc", "16384"))
	if err != nil || link != m.Tablespaces[16384] {
		t.Errorf("pg_tblspc/16384 -> %q (%v), want %q", link, err, m.Tablespaces[16384])
	}
	fi, err := os.Stat(m.Dest)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("destination mode %v (%v), want 0700", fi.Mode(), err)
	}
}

func mapping(t *testing.T) Mapping {
	root := t.TempDir()
	return Mapping{Dest: filepath.Join(root, "pgdata"), Tablespaces: map[uint32]string{16384: filepath.Join(root, "tbs 1")}}
}

func TestLocal(t *testing.T) {
	f := newFixture(t)
	recs, verified := f.records(t)
	if !verified {
		t.Fatal("the manifest was not used")
	}
	m := mapping(t)
	replace := map[string][]byte{"data/tablespace_map": m.TablespaceMap([]uint32{16384})}
	var done int
	st, err := Local(context.Background(), f.dir, recs, m, Options{Jobs: 2, Replace: replace,
		Done: func(*stream.BackupFile) error { done++; return nil }})
	if err != nil {
		t.Fatal(err)
	}
	f.check(t, m, replace)
	if st.Files != len(f.files) || st.Unverified != 0 || done != len(recs) {
		t.Errorf("stats %+v, done %d; want %d files, all verified, %d records", st, done, len(f.files), len(recs))
	}
	if want := "16384 " + m.Tablespaces[16384] + "\n"; string(replace["data/tablespace_map"]) != want {
		t.Errorf("tablespace_map %q, want %q", replace["data/tablespace_map"], want)
	}
	mt, _ := os.Stat(filepath.Join(m.Dest, "base/5/16385"))
	if !mt.ModTime().Equal(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("mtime %v not restored", mt.ModTime())
	}
}

func TestRemoteThroughShell(t *testing.T) {
	f := newFixture(t)
	recs, _ := f.records(t)
	m := mapping(t)
	ssh, err := sshcmd.Parse("sh -c")
	if err != nil {
		t.Fatal(err)
	}
	replace := map[string][]byte{"data/tablespace_map": m.TablespaceMap([]uint32{16384})}
	st, err := Remote(context.Background(), ssh, f.dir, recs, m, Options{Jobs: 3, Replace: replace})
	if err != nil {
		t.Fatal(err)
	}
	f.check(t, m, replace)
	if st.Files != len(f.files) {
		t.Errorf("stats %+v", st)
	}
}

func TestCorruptedBackup(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(p string) error
		want   string
	}{
		{"flipped byte", func(p string) error {
			b, _ := os.ReadFile(p)
			b[100] ^= 1
			return os.WriteFile(p, b, 0o600)
		}, "is corrupted"},
		{"truncated", func(p string) error { return os.Truncate(p, 1000) }, "the manifest says"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			recs, _ := f.records(t)
			if err := tc.damage(filepath.Join(f.dir, "data/base/5/16385")); err != nil {
				t.Fatal(err)
			}
			ssh, _ := sshcmd.Parse("sh -c")
			for name, run := range map[string]func(Mapping) error{
				"local": func(m Mapping) error {
					_, err := Local(context.Background(), f.dir, recs, m, Options{Jobs: 2})
					return err
				},
				"remote": func(m Mapping) error {
					_, err := Remote(context.Background(), ssh, f.dir, recs, m, Options{Jobs: 2})
					return err
				},
			} {
				err := run(mapping(t))
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "data/base/5/16385") {
					t.Errorf("%s: error %v, want one naming data/base/5/16385 and saying %q", name, err, tc.want)
				}
				var ce *ChecksumError
				if tc.name == "flipped byte" && !errors.As(err, &ce) {
					t.Errorf("%s: %T is not a ChecksumError", name, err)
				}
			}
		})
	}
}

func TestDelta(t *testing.T) {
	f := newFixture(t)
	recs, _ := f.records(t)
	m := mapping(t)
	if _, err := Local(context.Background(), f.dir, recs, m, Options{Jobs: 1}); err != nil {
		t.Fatal(err)
	}
	// The cluster lived on: a file changed, one appeared, one went away.
	os.WriteFile(filepath.Join(m.Dest, "global/pg_control"), []byte("newer"), 0o600)
	os.WriteFile(filepath.Join(m.Dest, "pg_wal/000000010000000000000009"), []byte("stale"), 0o600)
	os.MkdirAll(filepath.Join(m.Tablespaces[16384], "PG_15_202209061/6"), 0o700)
	os.Remove(filepath.Join(m.Dest, "PG_VERSION"))
	st, err := Local(context.Background(), f.dir, recs, m, Options{Jobs: 2, Delta: true})
	if err != nil {
		t.Fatal(err)
	}
	f.check(t, m, nil)
	if st.Reused != 3 || st.Removed != 2 {
		t.Errorf("reused %d, removed %d; want 3 and 2", st.Reused, st.Removed)
	}
	for _, p := range []string{filepath.Join(m.Dest, "pg_wal/000000010000000000000009"), filepath.Join(m.Tablespaces[16384], "PG_15_202209061/6")} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
}

func TestWithoutManifest(t *testing.T) {
	f := newFixture(t)
	os.Remove(filepath.Join(f.dir, ManifestName))
	recs, verified := f.records(t)
	if verified {
		t.Fatal("verified without a manifest")
	}
	m := mapping(t)
	st, err := Local(context.Background(), f.dir, recs, m, Options{Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	f.check(t, m, nil)
	if st.Unverified != len(f.files) {
		t.Errorf("unverified %d, want %d", st.Unverified, len(f.files))
	}
}

func TestMappingTarget(t *testing.T) {
	m := Mapping{Dest: "/d", Tablespaces: map[uint32]string{16384: "/t"}}
	for _, tc := range []struct{ in, want, err string }{
		{"data", "/d", ""},
		{"data/base/1/2", "/d/base/1/2", ""},
		{"16384/PG_15/1", "/t/PG_15/1", ""},
		{"16385/x", "", "does not list"},
		{"data/../../etc", "", "clean"},
		{"/etc/passwd", "", "clean"},
		{"other/x", "", "neither"},
	} {
		got, _, err := m.Target(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if got := string(Mapping{Tablespaces: map[uint32]string{1: "/a\\b\nc"}}.TablespaceMap([]uint32{1})); got != "1 /a\\\\b\\\nc\n" {
		t.Errorf("escaping: %q", got)
	}
}
