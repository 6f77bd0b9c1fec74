package walcompress

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/stream"
)

// archive is a temporary incoming/ and wals/ pair.
type archive struct {
	t        *testing.T
	incoming string
	wals     string
}

func newArchive(t *testing.T) *archive {
	dir := t.TempDir()
	a := &archive{t, filepath.Join(dir, "incoming"), filepath.Join(dir, "wals")}
	if err := os.Mkdir(a.incoming, 0o700); err != nil {
		t.Fatal(err)
	}
	return a
}

// add writes an incoming file and returns its record.
func (a *archive) add(name string, data []byte) *stream.WALFile {
	path := filepath.Join(a.incoming, name)
	if data != nil {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			a.t.Fatal(err)
		}
	}
	return &stream.WALFile{Server: "main", Name: name, Kind: stream.KindSegment, Status: stream.StatusNew,
		Size: int64(len(data)), Path: path, Dest: filepath.Join(a.wals, name[:min(16, len(name))], name)}
}

func encode(t *testing.T, lines ...any) []byte {
	var buf bytes.Buffer
	w := stream.NewWriter(&buf)
	for _, l := range lines {
		switch l := l.(type) {
		case string:
			buf.WriteString(l + "\n")
		case stream.Record:
			if err := w.Write(l); err != nil {
				t.Fatal(err)
			}
		}
	}
	return buf.Bytes()
}

// decode reads the output records by type.
func decode(t *testing.T, out []byte) (wal map[string]*stream.WALFile, errs []*stream.Error, other []stream.Record, sum *stream.Summary) {
	t.Helper()
	wal = map[string]*stream.WALFile{}
	rd := stream.NewReader(bytes.NewReader(out), "<stdout>")
	for {
		rec, err := rd.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("output: %v", err)
		}
		switch r := rec.(type) {
		case *stream.WALFile:
			wal[r.Name] = r
		case *stream.Error:
			errs = append(errs, r)
		case *stream.Summary:
			if r.Stage == stage {
				sum = r
				continue
			}
			other = append(other, r)
		default:
			other = append(other, r)
		}
	}
}

func readArchived(t *testing.T, path string) ([]byte, string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, algo, err := compress.OpenAuto(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return data, algo
}

func TestRecords(t *testing.T) {
	a := newArchive(t)
	var recs []any
	data := map[string][]byte{}
	for i := range 3 {
		name := fmt.Sprintf("00000001000000000000000%d", i+1)
		data[name] = walData(1<<20, uint64(i))
		recs = append(recs, a.add(name, data[name]))
	}
	missing := a.add("000000010000000000000009", nil)
	recs = append(recs[:1], append([]any{`{"type":"future_thing","v":1,"x":[1,2]}`, missing}, recs[1:]...)...)
	code, out, stderr := run(t, encode(t, recs...), "--records", "-c", "zstd", "-j", "2")
	if code != 1 {
		t.Fatalf("exit %d, want 1; stderr %s", code, stderr)
	}
	wal, errs, other, sum := decode(t, out)
	for name, want := range data {
		rec := wal[name]
		if rec == nil {
			t.Fatalf("no record for %s", name)
		}
		got, algo := readArchived(t, rec.Dest)
		st, _ := os.Stat(rec.Dest)
		if !bytes.Equal(got, want) || algo != "zstd" || rec.Compression != "zstd" ||
			rec.Size != st.Size() || rec.OriginalSize != int64(len(want)) || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: record %+v, archived %s %d bytes mode %v", name, rec, algo, len(got), st.Mode())
		}
	}
	if len(other) != 1 || other[0].Type() != "future_thing" {
		t.Errorf("unknown record not passed through: %v", other)
	}
	if len(errs) != 1 || errs[0].Code != stream.CodeIO || errs[0].Name != missing.Name || errs[0].Stage != stage ||
		!strings.Contains(errs[0].Message, "no such file or directory") || errs[0].Hint == "" {
		t.Errorf("error records: %+v", errs)
	}
	if !strings.Contains(stderr, "barman-wal-compress: error: cannot read ") {
		t.Errorf("stderr: %q", stderr)
	}
	if sum == nil || sum.Files != 3 || sum.Errors != 1 || sum.ExitStatus != 1 || sum.Bytes != 3<<20 {
		t.Errorf("summary: %+v", sum)
	}
	if _, err := os.Stat(missing.Dest); err == nil {
		t.Error("dest created for a missing source")
	}
}

func TestRecordsDuplicateDifferent(t *testing.T) {
	a := newArchive(t)
	rec := a.add("000000010000000000000005", walData(1<<20, 5))
	other := []byte("an archived WAL with another content")
	os.MkdirAll(filepath.Dir(rec.Dest), 0o700)
	os.WriteFile(rec.Dest, other, 0o600)
	code, out, stderr := run(t, encode(t, rec), "--records", "-c", "gzip")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	wal, errs, _, sum := decode(t, out)
	if len(wal) != 0 || len(errs) != 1 || errs[0].Code != stream.CodeDuplicate || errs[0].Path != rec.Dest {
		t.Errorf("records: %v %+v", wal, errs)
	}
	if got, _ := os.ReadFile(rec.Dest); !bytes.Equal(got, other) {
		t.Error("dest was overwritten")
	}
	if sum.ExitStatus != 1 || sum.Errors != 1 {
		t.Errorf("summary: %+v", sum)
	}
	if entries, _ := os.ReadDir(filepath.Dir(rec.Dest)); len(entries) != 1 {
		t.Errorf("left over files: %v", entries)
	}
}

// TestRecordsDestIdentical is the crash-repair path: dest holds the
// source's content already (here gzip, from an earlier run); the record is
// written with what is on disk and dest is left as it is.
func TestRecordsDestIdentical(t *testing.T) {
	a := newArchive(t)
	data := walData(1<<20, 6)
	gz := a.add("000000010000000000000006", data)
	plain := a.add("000000010000000000000007", data)
	for _, c := range []struct {
		rec  *stream.WALFile
		algo string
	}{{gz, "gzip"}, {plain, "none"}} {
		_, z, _ := run(t, data, "-c", c.algo)
		os.MkdirAll(filepath.Dir(c.rec.Dest), 0o700)
		os.WriteFile(c.rec.Dest, z, 0o600)
	}
	code, out, stderr := run(t, encode(t, gz, plain, gz), "--records", "-c", "zstd", "-j", "3")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	wal, errs, _, sum := decode(t, out)
	st, _ := os.Stat(gz.Dest)
	if r := wal[gz.Name]; r == nil || r.Compression != "gzip" || r.Size != st.Size() || r.OriginalSize != int64(len(data)) {
		t.Errorf("gzip record: %+v", r)
	}
	if r := wal[plain.Name]; r == nil || r.Compression != "" || r.Size != int64(len(data)) {
		t.Errorf("plain record: %+v", r)
	}
	if len(errs) != 0 || sum.Files != 3 || sum.ExitStatus != 0 {
		t.Errorf("errors %+v, summary %+v", errs, sum)
	}
	if _, algo := readArchived(t, gz.Dest); algo != "gzip" {
		t.Errorf("dest rewritten as %s", algo)
	}
}

// TestRecordsPassThrough: records this stage does not work on go through
// unchanged, and are not counted as its errors.
func TestRecordsPassThrough(t *testing.T) {
	a := newArchive(t)
	done := a.add("000000010000000000000001", []byte("x"))
	done.Compression = "gzip"
	rejected := a.add("000000010000000000000002", []byte("y"))
	rejected.Status = stream.StatusRejected
	noDest := a.add("000000010000000000000003", []byte("z"))
	noDest.Dest = ""
	upstreamErr := &stream.Error{Stage: "wal-ingest", Code: stream.CodeUnknown, Message: "not a WAL"}
	upstreamSum := &stream.Summary{Stage: "wal-ingest", Files: 3, Errors: 1, ExitStatus: 1}
	in := encode(t, done, rejected, noDest, upstreamErr, upstreamSum)
	code, out, stderr := run(t, in, "--records", "-c", "lz4")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := strings.Split(strings.TrimSpace(string(in)), "\n")
	if len(lines) != len(want)+1 || strings.Join(lines[:len(want)], "\n") != strings.Join(want, "\n") {
		t.Errorf("output:\n%s\nwant:\n%s", out, in)
	}
	if _, err := os.Stat(a.wals); err == nil {
		t.Error("something was archived")
	}
}

func TestRecordsBadLineAndCopy(t *testing.T) {
	a := newArchive(t)
	data := walData(300<<10, 8)
	rec := a.add("000000010000000000000008", data)
	code, out, stderr := run(t, encode(t, `{"type":"wal_file",`, rec, `{"type":"wal_file","v":2}`), "--records")
	if code != 1 || !strings.Contains(stderr, "<stdin>:1: ") || !strings.Contains(stderr, "<stdin>:3: ") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	wal, errs, _, sum := decode(t, out)
	if r := wal[rec.Name]; r == nil || r.Compression != "" || r.Size != int64(len(data)) {
		t.Errorf("copied record: %+v", r)
	}
	if got, _ := os.ReadFile(rec.Dest); !bytes.Equal(got, data) {
		t.Error("copy differs")
	}
	if len(errs) != 2 || errs[0].Code != stream.CodeBadRecord || sum.Errors != 2 || sum.Files != 1 {
		t.Errorf("errors %+v, summary %+v", errs, sum)
	}
}

func TestRecordsUnwritableDest(t *testing.T) {
	if !pgtest.WithoutRoot(t) { // root writes anywhere: run as another user
		return
	}
	a := newArchive(t)
	rec := a.add("00000001000000000000000A", []byte("data"))
	os.MkdirAll(a.wals, 0o500)
	code, out, _ := run(t, encode(t, rec), "--records", "-c", "gzip")
	_, errs, _, _ := decode(t, out)
	if code != 1 || len(errs) != 1 || !strings.Contains(errs[0].Message, "permission denied") {
		t.Errorf("exit %d, errors %+v", code, errs)
	}
}

func TestRecordsCustomFailure(t *testing.T) {
	a := newArchive(t)
	rec := a.add("00000001000000000000000B", walData(64<<10, 9))
	code, out, stderr := run(t, encode(t, rec), "--records", "-c", "custom", "--custom-compression-filter", "false")
	_, errs, _, _ := decode(t, out)
	if code != 1 || len(errs) != 1 || !strings.Contains(errs[0].Message, `custom_compression_filter "false" failed`) {
		t.Errorf("exit %d, errors %+v, stderr %s", code, errs, stderr)
	}
	if entries, _ := os.ReadDir(filepath.Dir(rec.Dest)); len(entries) != 0 {
		t.Errorf("left over files: %v", entries)
	}
}

// A custom filter pair that does not give the file back is caught before
// anything is catalogued: one that exits 0 without reading a small input
// (the pipe swallows it), one that loses bytes. The archive keeps
// nothing; a good pair passes.
// TestRecordsCustomVerified: whatever way a custom filter fails, and
// whenever, the file gets an error record with code filter and nothing is
// archived. A filter that exits without reading its input fails our write
// (a broken pipe) when it exits first and is caught by the verification
// when the write lands in the pipe first: "any" accepts both, and the input
// bigger than a pipe always takes the first way.
func TestRecordsCustomVerified(t *testing.T) {
	const unread, unlike = "exited without reading all its input", "does not turn back into 00000001000000000000000C"
	for _, tc := range []struct {
		name, compress, decompress string
		size                       int
		want                       []string // any of these in the message; none: no error
	}{
		{"exits without reading", "exit 0", "cat", 4 << 10, []string{unread, unlike}},
		{"exits without reading, bigger than a pipe", "exit 0", "cat", 1 << 20, []string{unread}},
		{"fails without reading", "echo disk on fire >&2; exit 3", "cat", 1 << 20, []string{"failed: exit status 3: disk on fire"}},
		{"fails after reading", "cat >/dev/null; exit 3", "cat", 4 << 10, []string{"failed: exit status 3"}},
		{"loses the end", "head -c 1000", "cat", 4 << 10, []string{unlike}}, // head reads before it exits
		{"good pair", "gzip -c", "gzip -d -c", 4 << 10, nil},
		{"good pair, same format as a builtin", "cat", "cat", 4 << 10, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newArchive(t)
			rec := a.add("00000001000000000000000C", walData(tc.size, 3))
			code, out, stderr := run(t, encode(t, rec), "--records", "-c", "custom",
				"--custom-compression-filter", tc.compress, "--custom-decompression-filter", tc.decompress)
			recs, errs, _, _ := decode(t, out)
			if tc.want == nil {
				if code != 0 || len(recs) != 1 || len(errs) != 0 {
					t.Fatalf("exit %d, records %+v, errors %+v, stderr %s", code, recs, errs, stderr)
				}
				return
			}
			if code != 1 || len(errs) != 1 || errs[0].Code != stream.CodeFilter || errs[0].Hint == "" ||
				!strings.Contains(errs[0].Message, fmt.Sprintf("custom_compression_filter %q", tc.compress)) ||
				!containsAny(errs[0].Message, tc.want) {
				t.Fatalf("exit %d, errors %+v, stderr %s", code, errs, stderr)
			}
			if entries, _ := os.ReadDir(filepath.Dir(rec.Dest)); len(entries) != 0 {
				t.Errorf("left in the archive: %v", entries)
			}
			if _, err := os.Stat(rec.Path); err != nil {
				t.Errorf("the source is gone: %v", err)
			}
		})
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestRecordsDestAppearsDuringCompression: another writer (a concurrent
// put-wal, say) creates dest while this stage compresses the file; the
// stage must not replace it. Here the custom compression filter itself
// plays the other writer: it writes dest, then compresses.
func TestRecordsDestAppearsDuringCompression(t *testing.T) {
	a := newArchive(t)
	rec := a.add("000000010000000000000006", walData(1<<20, 6))
	other := "archived meanwhile by another process"
	os.MkdirAll(filepath.Dir(rec.Dest), 0o700)
	filter := fmt.Sprintf("printf %%s '%s' > %s; cat", other, rec.Dest)
	code, out, stderr := run(t, encode(t, rec), "--records", "-c", "custom",
		"--custom-compression-filter", filter, "--custom-decompression-filter", "cat")
	if code != 1 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	wal, errs, _, _ := decode(t, out)
	if len(wal) != 0 || len(errs) != 1 || errs[0].Code != stream.CodeDuplicate || errs[0].Path != rec.Dest {
		t.Errorf("records: %v %+v", wal, errs)
	}
	if got, _ := os.ReadFile(rec.Dest); string(got) != other {
		t.Errorf("dest was replaced: %d bytes", len(got))
	}
	if entries, _ := os.ReadDir(filepath.Dir(rec.Dest)); len(entries) != 1 {
		t.Errorf("left over files: %v", entries)
	}
	if _, err := os.Stat(rec.Path); err != nil {
		t.Errorf("source gone: %v", err)
	}
}
