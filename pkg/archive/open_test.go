package archive

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/stream"
)

// Custom filters for the tests. The first writes no known magic; the
// second writes bzip2's ("BZh") before gzip data: only xlog.db tells
// how to read either.
var (
	noMagic   = Codec{Compression: compress.Custom, DecompressionFilter: "tail -c +5 | gzip -dc"}
	fakeMagic = Codec{Compression: compress.Custom, DecompressionFilter: "tail -c +4 | gzip -dc"}
)

const (
	noMagicCompress   = "printf XYZW && gzip -c"
	fakeMagicCompress = "printf BZh && gzip -c"
)

// archiveAs places data compressed with algo (the custom filter cmd) as
// the archived file name, and catalogues it as line says: "" for no line,
// "three" for a Barman 2 line (no compression field), else the
// compression recorded.
func (f *fixture) archiveAs(t *testing.T, name string, data []byte, algo, cmd, line string) string {
	t.Helper()
	p := f.a.Layout.WALPath(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	var z bytes.Buffer
	w, err := compress.NewWriter(&z, algo, compress.DefaultLevel, compress.WithCustom(cmd, "", nil))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, z.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var e catalog.WALEntry
	switch line {
	case "":
		return p
	case "three":
		e = catalog.WALEntry{Name: name, Size: 100, Time: 1, Fields: 3}
	default:
		e = catalog.WALEntry{Name: name, Size: 100, Time: 1, Compression: line}
	}
	if err := catalog.AppendXlogDB(f.a.Layout.XlogDBPath(), e); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpen: every way an archived file is read back, through Open (one
// look-up in xlog.db) and through Reader (xlog.db read once).
func TestOpen(t *testing.T) {
	const name = "000000010000000000000005"
	data := segment(t, name, 42, 5)
	for _, tc := range []struct {
		name            string
		codec           Codec
		algo, cmd, line string
		want            string // "" for data; else what the error says
	}{
		{"none", Codec{}, compress.None, "", "None", ""},
		{"gzip", Codec{}, compress.Gzip, "", "gzip", ""},
		{"gzip on a custom server", noMagic, compress.Gzip, "", "gzip", ""},
		{"custom without magic", noMagic, compress.Custom, noMagicCompress, "custom", ""},
		{"custom whose output looks like bzip2", fakeMagic, compress.Custom, fakeMagicCompress, "custom", ""},
		{"custom, not catalogued yet", noMagic, compress.Custom, noMagicCompress, "", ""},
		{"custom, a Barman 2 line", noMagic, compress.Custom, noMagicCompress, "three", ""},
		{"uncompressed on a custom server", noMagic, compress.None, "", "None", ""},
		{"custom without custom_decompression_filter", Codec{Compression: compress.Custom}, compress.Custom, noMagicCompress, "custom", "has no custom_decompression_filter"},
		{"custom on a server now gzip, without the filter", Codec{Compression: compress.Gzip}, compress.Custom, noMagicCompress, "custom", "has no custom_decompression_filter"},
		{"unknown compression in xlog.db", Codec{}, compress.Gzip, "", "rot13", `unknown compression "rot13"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.a.Codec = tc.codec
			p := f.archiveAs(t, name, data, tc.algo, tc.cmd, tc.line)
			entries, err := f.a.Layout.ReadXlogDB()
			if err != nil {
				t.Fatal(err)
			}
			for how, open := range map[string]func(string) (io.ReadCloser, error){
				"Open":   func(n string) (io.ReadCloser, error) { return f.a.Open(n, false) },
				"Reader": f.a.Reader(entries),
			} {
				got, err := readAll(open, name)
				switch {
				case tc.want == "" && err != nil:
					t.Errorf("%s: %v", how, err)
				case tc.want == "" && !bytes.Equal(got, data):
					t.Errorf("%s: read %d bytes, not the %d archived", how, len(got), len(data))
				case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p)):
					t.Errorf("%s: error %v, want one naming %s and saying %q", how, err, p, tc.want)
				}
			}
		})
	}
}

func readAll(open func(string) (io.ReadCloser, error), name string) ([]byte, error) {
	rc, err := open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// TestOpenNoFilterHint: the error of a missing custom_decompression_filter
// names the server and says what to set.
func TestOpenNoFilterHint(t *testing.T) {
	const name = "000000010000000000000005"
	f := newFixture(t)
	f.a.Codec = Codec{Compression: compress.Custom}
	f.archiveAs(t, name, segment(t, name, 42, 5), compress.Custom, noMagicCompress, "custom")
	_, err := f.a.Open(name, false)
	var nf *NoFilterError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "server main") ||
		!strings.Contains(nf.Hint(), "set custom_decompression_filter in the [main] section") {
		t.Errorf("error %v, want a *NoFilterError naming server main with a hint", err)
	}
}

// TestOpenIncomingOnCustomServer: a file of incoming/ is as PostgreSQL
// wrote it, whatever the server's compression: it is not run through the
// decompression filter.
func TestOpenIncomingOnCustomServer(t *testing.T) {
	const name = "000000010000000000000006"
	f := newFixture(t)
	f.a.Codec = noMagic
	data := segment(t, name, 42, 6)
	f.drop(t, name, data)
	got, err := readAll(func(n string) (io.ReadCloser, error) { return f.a.Open(n, false) }, name)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("incoming file read as %d bytes (%v), want it as it is", len(got), err)
	}
}

// TestInspectDuplicateOfCustom: a segment archived again, identical to
// the custom-compressed copy in the archive, is dropped as a duplicate;
// not set aside as different.
func TestInspectDuplicateOfCustom(t *testing.T) {
	const name = "000000010000000000000007"
	f := newFixture(t)
	f.a.Codec = noMagic
	data := segment(t, name, 42, 7)
	f.archiveAs(t, name, data, compress.Custom, noMagicCompress, "custom")
	res := f.inspect(t, f.drop(t, name, data))
	if res.Dropped == nil || res.Dropped.Status != stream.StatusDuplicate {
		t.Errorf("identical segment: %+v %+v, want it dropped as a duplicate", res.Error, res.Record)
	}
}

// TestRebuildCustom: rebuild-xlogdb records a custom file with no magic as
// custom, as Barman does, so that readers run the filter.
func TestRebuildCustom(t *testing.T) {
	const name = "000000010000000000000008"
	f := newFixture(t)
	f.a.Codec = noMagic
	f.archiveAs(t, name, segment(t, name, 42, 8), compress.Custom, noMagicCompress, "")
	c, err := f.a.OpenCommitter(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, _, err := c.Rebuild(); err != nil {
		t.Fatal(err)
	}
	entries, _ := f.a.Layout.ReadXlogDB()
	if len(entries) != 1 || entries[0].Compression != compress.Custom {
		t.Errorf("rebuilt xlog.db %+v, want %s as custom", entries, name)
	}
}
