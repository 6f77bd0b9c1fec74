package restore

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/throttle"
)

// archived turns the fixture into a compressed backup: data/ and the
// tablespace go into data/base.tar.zst and data/16384.tar.zst (with the
// given extra members), a plain backup_manifest stays next to them.
func (f *fixture) archived(t *testing.T, extra map[string]string, drop string) {
	t.Helper()
	members := map[string]map[string]string{"data": {}, "16384": {}}
	for p, content := range f.files {
		root, rest, _ := strings.Cut(p, "/")
		if p != drop {
			members[root][rest] = content
		}
	}
	for p, content := range extra {
		root, rest, _ := strings.Cut(p, "/")
		members[root][rest] = content
	}
	// The plain trees (and the previous archives) go first: the archives
	// are all written into data/.
	for root := range members {
		os.RemoveAll(filepath.Join(f.dir, root))
	}
	for root, files := range members {
		var buf bytes.Buffer
		zw, _ := compress.NewParallelWriter(&buf, compress.Zstd, compress.DefaultLevel, 2)
		tw := tar.NewWriter(zw)
		tw.WriteHeader(&tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o700})
		for name, content := range files {
			tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(content))})
			tw.Write([]byte(content))
		}
		tw.Close()
		zw.Close()
		name := "base.tar.zst"
		if root != "data" {
			name = root + ".tar.zst"
		}
		os.MkdirAll(filepath.Join(f.dir, "data"), 0o700)
		if err := os.WriteFile(filepath.Join(f.dir, "data", name), buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(f.dir, "data", "backup_manifest"), []byte("{}\n"), 0o600)
}

// TestFromArchives: a compressed backup restores locally and through a
// shell, every file checked; a member the manifest lacks and a file the
// archive lacks are errors naming them.
func TestFromArchives(t *testing.T) {
	f := newFixture(t)
	recs, _ := f.records(t)
	f.archived(t, nil, "")
	m := mapping(t)
	replace := map[string][]byte{"data/tablespace_map": m.TablespaceMap([]uint32{16384})}
	st, err := Local(context.Background(), f.dir, recs, m, Options{Jobs: 2, Replace: replace})
	if err != nil {
		t.Fatal(err)
	}
	f.check(t, m, replace)
	if st.Files != len(f.files) || st.Unverified != 0 {
		t.Errorf("stats %+v, want %d files, all verified", st, len(f.files))
	}

	ssh, _ := sshcmd.Parse("sh -c")
	m = mapping(t)
	if _, err := Remote(context.Background(), ssh, f.dir, recs, m, Options{Jobs: 2, Replace: replace}); err != nil {
		t.Fatal(err)
	}
	f.check(t, m, replace)

	bad := 0
	if n, err := Verify(context.Background(), f.dir, recs, func(string, string) { bad++ }); err != nil || n != len(f.files) || bad != 0 {
		t.Errorf("Verify: %d checked, %d bad, %v", n, bad, err)
	}

	f.archived(t, map[string]string{"data/base/5/99999": "stray"}, "")
	if _, err := Local(context.Background(), f.dir, recs, mapping(t), Options{}); err == nil || !strings.Contains(err.Error(), "data/base/5/99999") || !strings.Contains(err.Error(), "base.tar.zst") {
		t.Errorf("extra member: %v", err)
	}
	f.archived(t, nil, "16384/PG_15_202209061/5/1")
	if _, err := Local(context.Background(), f.dir, recs, mapping(t), Options{}); err == nil || !strings.Contains(err.Error(), "16384/PG_15_202209061/5/1 is missing from the backup archive") {
		t.Errorf("missing member: %v", err)
	}
	f.archived(t, map[string]string{"data/PG_VERSION": "14\n"}, "")
	bad = 0
	if _, err := Verify(context.Background(), f.dir, recs, func(p, problem string) {
		bad++
		if p != "data/PG_VERSION" || !strings.Contains(problem, "checksum mismatch") {
			t.Errorf("Verify: %s: %s", p, problem)
		}
	}); err != nil || bad != 1 {
		t.Errorf("Verify of a changed member: %d bad, %v", bad, err)
	}
	// Records of a compressed backup without our manifest (Barman's).
	os.Remove(filepath.Join(f.dir, ManifestName))
	recs, verified := f.records(t)
	m = mapping(t)
	if _, err := Local(context.Background(), f.dir, recs, m, Options{Replace: replace}); err != nil || verified {
		t.Fatalf("restore of archives without a manifest: %v (verified %v)", err, verified)
	}
	if got, _ := os.ReadFile(filepath.Join(m.Dest, "PG_VERSION")); string(got) != "14\n" {
		t.Errorf("PG_VERSION from the archive: %q", got)
	}
	if _, err := os.Stat(filepath.Join(m.Dest, "backup_manifest")); err != nil {
		t.Errorf("backup_manifest not restored: %v", err)
	}
}

// TestTablespaceThrottle: a tablespace's files go through its own limit
// (tablespace_bandwidth_limit), the rest through bandwidth_limit.
func TestTablespaceThrottle(t *testing.T) {
	f := newFixture(t)
	recs, _ := f.records(t)
	ssh, _ := sshcmd.Parse("sh -c")
	for _, where := range []string{"local", "remote"} {
		global, tbs := throttle.New(1<<40), throttle.New(1<<40)
		m := mapping(t)
		replace := map[string][]byte{"data/tablespace_map": m.TablespaceMap([]uint32{16384})}
		o := Options{Jobs: 2, Replace: replace, Throttle: global, TablespaceThrottle: map[uint32]*throttle.Throttle{16384: tbs}}
		var err error
		if where == "local" {
			_, err = Local(context.Background(), f.dir, recs, m, o)
		} else {
			_, err = Remote(context.Background(), ssh, f.dir, recs, m, o)
		}
		if err != nil {
			t.Fatal(err)
		}
		var want int64
		for p, c := range f.files {
			if !strings.HasPrefix(p, "16384/") && p != "data/tablespace_map" {
				want += int64(len(c))
			}
		}
		if tbs.Sent() != int64(len(f.files["16384/PG_15_202209061/5/1"])) || global.Sent() != want {
			t.Errorf("%s: tablespace limit saw %d bytes, global %d; want %d and %d", where, tbs.Sent(), global.Sent(), len(f.files["16384/PG_15_202209061/5/1"]), want)
		}
	}
}
