package basebackup

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file listed but gone when copied (PostgreSQL drops files during a
// backup) is noted, not an error.
func TestFetchVanishedFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "kept"), []byte("data"), 0o600)
	r := &Remote{}
	var got []string
	changed, err := r.Fetch(context.Background(), dir, []string{"kept", "gone"}, func(h *tar.Header, rd io.Reader) error {
		got = append(got, h.Name)
		_, err := io.Copy(io.Discard, rd)
		return err
	})
	if err != nil {
		t.Fatalf("vanished file made the copy fail: %v", err)
	}
	if len(got) != 1 || got[0] != "kept" || len(changed) != 1 || !strings.Contains(changed[0], "gone") {
		t.Errorf("got %v, changed %v", got, changed)
	}
}

// TestTarDiagnostics: GNU tar's notes about files that vanished, shrank
// or changed while read are normal; read errors are problems, also those
// --ignore-failed-read makes warnings (tar exits 0 for them).
func TestTarDiagnostics(t *testing.T) {
	cases := []struct {
		line    string
		changed bool
	}{
		{"tar: base/5/123: Warning: Cannot stat: No such file or directory", true},
		{"tar: base/5/123: Cannot stat: No such file or directory", true},
		{"tar: base/5/123: Warning: Cannot open: No such file or directory", true},
		{"tar: base/5/123: File removed before we read it", true},
		{"tar: base/5/16385: File shrank by 27736576 bytes; padding with zeros", true},
		{"tar: base/5/16385: File shrank by 1 byte; padding with zeros", true},
		{"tar: base/5/456: file changed as we read it", true},
		{"tar: global/secret: Cannot open: Permission denied", false},
		{"tar: global/secret: Warning: Cannot open: Permission denied", false},
		{"tar: base/5/789: Read error at byte 8192, while reading 10240 bytes: Input/output error", false},
		{"tar: base/5/789: Warning: Read error at byte 8192, while reading 10240 bytes: Input/output error", false},
		{"sh: 1: cd: can't cd to /srv/tbs: No such file or directory", false},
		{"tar: File shrank by 5 bytes; padding with zeros: Permission denied", false},
	}
	for _, c := range cases {
		changed, problems := tarDiagnostics(c.line + "\ntar: Exiting with failure status due to previous errors\n")
		if got := len(changed) == 1 && len(problems) == 0; got != c.changed || len(changed)+len(problems) != 1 {
			t.Errorf("%q: changed %q, problems %q", c.line, changed, problems)
		}
	}
}

func TestParseListing(t *testing.T) {
	out := "d\x004096\x001700000000.5\x00700\x00\x00\x00" + // "." itself
		"f\x0012\x001700000001.25\x00600\x00\x00PG_VERSION\x00" +
		"l\x0017\x001700000002.0\x00777\x00/srv/tbs\x00pg_tblspc/16384\x00" +
		"d\x004096\x001700000003.0\x00700\x00\x00base\x00"
	e, err := parseListing([]byte(out))
	if err != nil || len(e) != 3 {
		t.Fatalf("%v %v", e, err)
	}
	if e[0].Path != "PG_VERSION" || e[0].Size != 12 || e[0].Mode.Perm() != 0o600 || e[0].MTime.UnixMilli() != 1700000001250 {
		t.Errorf("file %+v", e[0])
	}
	if e[1].Link != "/srv/tbs" || e[1].Mode&os.ModeSymlink == 0 || !e[2].Mode.IsDir() {
		t.Errorf("link %+v dir %+v", e[1], e[2])
	}
}
