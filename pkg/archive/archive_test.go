package archive

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/compress"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/walfile"
)

const segSize = 1 << 20

// segment builds a valid 1 MiB WAL segment for name.
func segment(t *testing.T, name string, sysid uint64, seed byte) []byte {
	t.Helper()
	b, err := walfile.Synthetic(name, sysid, segSize, seed)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type fixture struct {
	a        *Archive
	incoming string
}

func newFixture(t *testing.T) *fixture {
	home := t.TempDir()
	l := catalog.NewLayout(home, "main", catalog.Dirs{})
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	return &fixture{a: &Archive{Layout: l, Server: "main", LockDir: home, Now: func() time.Time { return now }}, incoming: l.IncomingDir()}
}

func (f *fixture) drop(t *testing.T, name string, data []byte) string {
	p := filepath.Join(f.incoming, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) inspect(t *testing.T, p string) Result {
	exp, err := f.a.Expect()
	if err != nil {
		t.Fatal(err)
	}
	names, _ := f.a.Catalogued()
	return f.a.Inspect(context.Background(), p, exp, func(n string) bool { return names[n] })
}

// place copies the source to dest as the compress stage would (no compression).
func place(t *testing.T, rec *stream.WALFile) {
	data, err := os.ReadFile(rec.Path)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Dir(rec.Dest), 0o755)
	if err := os.WriteFile(rec.Dest, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) commit(t *testing.T, recs ...*stream.WALFile) {
	c, err := f.a.OpenCommitter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, r := range recs {
		if err := c.Commit(r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIngestCommitOnce(t *testing.T) {
	f := newFixture(t)
	const name = "000000010000000000000003"
	p := f.drop(t, name, segment(t, name, 42, 1))
	res := f.inspect(t, p)
	if res.Record == nil {
		t.Fatalf("good segment not accepted: %+v", res.Error)
	}
	r := res.Record
	if r.Dest != filepath.Join(f.a.Layout.WALsDir(), "0000000100000000", name) || r.Status != stream.StatusNew || r.OriginalSize != segSize || !strings.HasPrefix(r.Checksum, "sha256:") {
		t.Errorf("record %+v", r)
	}
	if id, err := f.a.Layout.ReadIdentity(); err != nil || id.SystemID != "42" || id.Version != "15" {
		t.Errorf("identity %+v %v", id, err)
	}
	place(t, r)
	// A run killed after placement: the next run finds the file again,
	// plans it again (it is not catalogued), and commit catalogues it once.
	again := f.inspect(t, p)
	if again.Record == nil {
		t.Fatalf("placed but uncatalogued file not re-planned: %+v %+v", again.Error, again.Dropped)
	}
	f.commit(t, r, again.Record)
	entries, _ := f.a.Layout.ReadXlogDB()
	if len(entries) != 1 || entries[0].Name != name || entries[0].Size != segSize || entries[0].Compression != "" {
		t.Fatalf("xlog.db %+v", entries)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("source not removed after commit")
	}
	// The same file sent again is an identical duplicate: dropped.
	p = f.drop(t, name, segment(t, name, 42, 1))
	if res := f.inspect(t, p); res.Dropped == nil || res.Dropped.Status != stream.StatusDuplicate {
		t.Errorf("identical duplicate: %+v", res)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("identical duplicate left in incoming")
	}
	// Different content under the same name: kept aside.
	p = f.drop(t, name, segment(t, name, 42, 2))
	res = f.inspect(t, p)
	if res.Error == nil || res.Error.Code != stream.CodeDuplicate {
		t.Fatalf("different duplicate: %+v", res)
	}
	if _, err := os.Stat(filepath.Join(f.a.Layout.ErrorsDir(), name+".20261125T120000Z.duplicate")); err != nil {
		t.Errorf("not in errors/: %v", err)
	}
}

func TestIngestRejects(t *testing.T) {
	f := newFixture(t)
	good := "000000010000000000000001"
	f.a.Layout.WriteIdentity(catalog.Identity{SystemID: "42", Version: "15"})
	cases := []struct {
		name string
		data []byte
		code string
	}{
		{"notawal.txt", []byte("hello"), walfile.CodeUnknown},
		{"\xff\xfe-not-utf8", []byte("x"), walfile.CodeUnknown},
		{good, segment(t, good, 42, 1)[:segSize/2], walfile.CodeTruncated},
		{good, make([]byte, segSize), walfile.CodeZero},
		{good, segment(t, good, 7, 1), walfile.CodeForeignCluster},
		{"000000010000000000000002", segment(t, good, 42, 1), walfile.CodeMisplaced},
	}
	for _, c := range cases {
		p := f.drop(t, c.name, c.data)
		res := f.inspect(t, p)
		if res.Error == nil || res.Error.Code != c.code {
			t.Errorf("%q: %+v, want code %s", c.name, res, c.code)
			continue
		}
		if res.Error.Hint == "" || !strings.Contains(res.Error.Message, "moved to") {
			t.Errorf("%q: message %q hint %q", c.name, res.Error.Message, res.Error.Hint)
		}
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%q left in incoming", c.name)
		}
		if _, err := os.Stat(res.Error.Path); err != nil || !strings.HasSuffix(res.Error.Path, "."+c.code) {
			t.Errorf("%q: kept aside at %q: %v", c.name, res.Error.Path, err)
		}
	}
}

func TestUnreadableStaysInPlace(t *testing.T) {
	if !pgtest.WithoutRoot(t) { // root reads any file: run as another user
		return
	}
	f := newFixture(t)
	name := "000000010000000000000001"
	p := f.drop(t, name, segment(t, name, 42, 1))
	os.Chmod(p, 0)
	res := f.inspect(t, p)
	if res.Error == nil || res.Error.Code != stream.CodeIO {
		t.Fatalf("%+v", res)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("unreadable file moved: %v", err)
	}
}

func TestScanStreamingHoldsBack(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"000000010000000000000002", "000000010000000000000001", "000000010000000000000003.partial", ".tmpfile", "x.tmp"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	got, _ := Scan(dir, true, 0)
	if strings.Join(got, " ") != "000000010000000000000001 000000010000000000000002" {
		t.Errorf("streaming scan %v", got)
	}
	os.Remove(filepath.Join(dir, "000000010000000000000003.partial"))
	got, _ = Scan(dir, true, 0)
	if strings.Join(got, " ") != "000000010000000000000001" {
		t.Errorf("without partial: %v", got)
	}
	got, _ = Scan(dir, false, 1)
	if strings.Join(got, " ") != "000000010000000000000001" {
		t.Errorf("batch: %v", got)
	}
}

func TestReceiveTar(t *testing.T) {
	f := newFixture(t)
	name := "000000010000000000000004"
	data := segment(t, name, 42, 3)
	var buf bytes.Buffer
	if err := WriteTar(&buf, name, bytes.NewReader(data), int64(len(data)), 1); err != nil {
		t.Fatal(err)
	}
	stream := buf.Bytes()

	// Cut off mid-stream: an error, and nothing visible in incoming/.
	if _, err := f.a.Receive(bytes.NewReader(stream[:len(stream)/2])); err == nil {
		t.Error("cut-off stream accepted")
	}
	// A damaged byte: checksum mismatch.
	bad := append([]byte(nil), stream...)
	bad[4096] ^= 0xff
	if _, err := f.a.Receive(bytes.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Errorf("damaged stream: %v", err)
	}
	if ents, _ := os.ReadDir(f.incoming); len(ents) != 0 {
		t.Fatalf("incoming not empty after failures: %v", ents)
	}
	names, err := f.a.Receive(bytes.NewReader(stream))
	if err != nil || len(names) != 1 {
		t.Fatalf("%v %v", names, err)
	}
	got, _ := os.ReadFile(filepath.Join(f.incoming, name))
	if !bytes.Equal(got, data) {
		t.Error("received content differs")
	}
	// The same again is fine (PostgreSQL retried after a lost reply).
	if _, err := f.a.Receive(bytes.NewReader(stream)); err != nil {
		t.Errorf("identical retry: %v", err)
	}
	// Compressed on the way (push --compress): the same file, and a cut
	// compressed stream is refused as well.
	for _, algo := range []string{compress.Zstd, compress.LZ4, compress.Gzip} {
		os.Remove(filepath.Join(f.incoming, name))
		var zbuf bytes.Buffer
		zw, _ := compress.NewWriter(&zbuf, algo, compress.DefaultLevel)
		zw.Write(stream)
		zw.Close()
		if _, err := f.a.Receive(bytes.NewReader(zbuf.Bytes()[:zbuf.Len()/2])); err == nil {
			t.Errorf("%s: cut-off compressed stream accepted", algo)
		}
		if ents, _ := os.ReadDir(f.incoming); len(ents) != 0 {
			t.Fatalf("%s: incoming not empty after a cut stream: %v", algo, ents)
		}
		if names, err := f.a.Receive(bytes.NewReader(zbuf.Bytes())); err != nil || len(names) != 1 {
			t.Fatalf("%s: %v %v", algo, names, err)
		}
		if got, _ := os.ReadFile(filepath.Join(f.incoming, name)); !bytes.Equal(got, data) {
			t.Errorf("%s: received content differs", algo)
		}
	}
}

func TestRebuild(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"000000010000000000000001", "000000010000000000000002"} {
		p := f.drop(t, n, segment(t, n, 42, 1))
		res := f.inspect(t, p)
		place(t, res.Record)
		f.commit(t, res.Record)
	}
	os.WriteFile(filepath.Join(f.a.Layout.WALsDir(), "00000002.history"), []byte("1\t0/2000000\tx\n"), 0o600)
	os.Remove(f.a.Layout.XlogDBPath())
	c, _ := f.a.OpenCommitter(context.Background())
	h, l, w, err := c.Rebuild()
	c.Close()
	if err != nil || h != 1 || l != 0 || w != 2 {
		t.Fatalf("rebuild %d %d %d %v", h, l, w, err)
	}
	entries, _ := f.a.Layout.ReadXlogDB()
	if len(entries) != 3 || entries[2].Name != "00000002.history" {
		t.Errorf("entries %+v", entries)
	}
}

// Barman's barman-wal-archive --md5 sends MD5SUMS: still accepted.
func TestReceiveMD5Sums(t *testing.T) {
	f := newFixture(t)
	name := "000000010000000000000005"
	data := segment(t, name, 42, 5)
	sum := md5.Sum(data)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), Typeflag: tar.TypeReg})
	tw.Write(data)
	sums := []byte(hex.EncodeToString(sum[:]) + "  " + name + "\n")
	tw.WriteHeader(&tar.Header{Name: "MD5SUMS", Mode: 0o600, Size: int64(len(sums)), Typeflag: tar.TypeReg})
	tw.Write(sums)
	tw.Close()
	if _, err := f.a.Receive(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(f.incoming, name)); !bytes.Equal(got, data) {
		t.Error("content differs")
	}
}
