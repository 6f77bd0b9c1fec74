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
// backup) is reported as vanished, not as an error.
func TestFetchVanishedFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "kept"), []byte("data"), 0o600)
	r := &Remote{}
	var got []string
	vanished, err := r.Fetch(context.Background(), dir, []string{"kept", "gone"}, func(h *tar.Header, rd io.Reader) error {
		got = append(got, h.Name)
		_, err := io.Copy(io.Discard, rd)
		return err
	})
	if err != nil {
		t.Fatalf("vanished file made the copy fail: %v", err)
	}
	if len(got) != 1 || got[0] != "kept" || len(vanished) != 1 || !strings.Contains(vanished[0], "gone") {
		t.Errorf("got %v, vanished %v", got, vanished)
	}
}

func TestTarDiagnostics(t *testing.T) {
	v, p := tarDiagnostics("tar: base/5/123: Cannot stat: No such file or directory\n" +
		"tar: base/5/456: file changed as we read it\n" +
		"tar: global/secret: Cannot open: Permission denied\n" +
		"tar: Exiting with failure status due to previous errors\n")
	if len(v) != 1 || len(p) != 1 || !strings.Contains(p[0], "Permission denied") {
		t.Errorf("vanished %v problems %v", v, p)
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
