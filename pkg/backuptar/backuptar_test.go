package backuptar

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/compress"
)

func writeArchive(t *testing.T, path, algo string, members map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	zw, err := compress.NewWriter(&buf, algo, compress.DefaultLevel)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	for name, content := range members {
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(content)), Typeflag: tar.TypeReg})
		tw.Write([]byte(content))
	}
	tw.Close()
	zw.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFindAndWalk(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o700)
	if a, _ := Find(dir); a != nil {
		t.Fatalf("empty data/: %v", a)
	}
	// A plain copy may hold a file named like a tablespace archive.
	os.WriteFile(filepath.Join(data, "16385.tar.zst"), nil, 0o600)
	if a, _ := Find(dir); a != nil {
		t.Fatalf("no base archive, still found %v", a)
	}
	writeArchive(t, filepath.Join(data, "16385.tar.zst"), compress.Zstd, map[string]string{"PG_15_1/5/1": "t"})
	writeArchive(t, filepath.Join(data, "base.tar.zst"), compress.Zstd, map[string]string{"./PG_VERSION": "15\n", "global/pg_control": "c"})
	os.WriteFile(filepath.Join(data, "backup_manifest"), []byte("{}"), 0o600)
	as, err := Find(dir)
	if err != nil || len(as) != 2 || as[0].Root != "data" || as[1].Root != "16385" || as[0].Algo != compress.Zstd {
		t.Fatalf("Find = %+v, %v", as, err)
	}
	got := map[string]string{}
	err = Walk(context.Background(), as[0], func(e Entry, r io.Reader) error {
		b, _ := io.ReadAll(r)
		got[e.Path] = string(b)
		return nil
	})
	if err != nil || got["data/PG_VERSION"] != "15\n" || got["data/global/pg_control"] != "c" || len(got) != 2 {
		t.Fatalf("Walk: %v, %v", got, err)
	}
	for algo, ext := range map[string]string{compress.Gzip: ".tar.gz", compress.LZ4: ".tar.lz4", compress.None: ".tar"} {
		if n, _ := Name(0, algo); n != "base"+ext {
			t.Errorf("Name(0, %s) = %s", algo, n)
		}
	}
	if _, err := Name(1, compress.Bzip2); err == nil {
		t.Error("bzip2 archive name accepted")
	}
}

func TestWalkRefuses(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "base.tar.gz")
	writeArchive(t, p, compress.Gzip, map[string]string{"../../etc/passwd": "x"})
	err := Walk(context.Background(), Archive{Root: "data", Path: p, Algo: compress.Gzip}, func(Entry, io.Reader) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "leaves its root") {
		t.Errorf("member leaving its root: %v", err)
	}
	writeArchive(t, p, compress.Gzip, map[string]string{"PG_VERSION": strings.Repeat("x", 100000)})
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:len(b)/2], 0o600)
	err = Walk(context.Background(), Archive{Root: "data", Path: p, Algo: compress.Gzip}, func(_ Entry, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("truncated archive: %v, want an error naming it", err)
	}
}
