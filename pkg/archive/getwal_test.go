package archive

import (
	"bytes"
	"io"
	"slices"
	"testing"

	"github.com/gobarman/barman/pkg/compress"
)

// TestSend: get-wal's three ways to give a file: decompressed, as stored,
// recompressed.
func TestSend(t *testing.T) {
	f := newFixture(t)
	const name = "000000010000000000000005"
	data := bytes.Repeat([]byte("pgbench filler "), 1000)
	f.archiveAs(t, name, data, "gzip", "", "gzip")
	var plain, stored, bz bytes.Buffer
	for _, c := range []struct {
		w *bytes.Buffer
		o SendOptions
	}{{&plain, SendOptions{}}, {&stored, SendOptions{Stored: true}}, {&bz, SendOptions{Recompress: "bzip2"}}} {
		if err := f.a.Send(c.w, name, c.o); err != nil {
			t.Fatalf("%+v: %v", c.o, err)
		}
	}
	if !bytes.Equal(plain.Bytes(), data) {
		t.Error("decompressed send differs from the WAL file")
	}
	for algo, buf := range map[string]*bytes.Buffer{"gzip": &stored, "bzip2": &bz} {
		r, err := compress.NewReader(bytes.NewReader(buf.Bytes()), algo)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s send: %v, %d bytes", algo, err, len(got))
		}
	}
	if err := f.a.Send(io.Discard, "000000010000000000000009", SendOptions{}); err == nil {
		t.Error("a missing file was sent")
	}
}

func TestPeek(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"000000010000000000000003", "000000010000000000000004", "000000010000000000000004.00000028.backup",
		"00000002.history", "000000010000000000000006", "000000010000000000000007"} {
		f.archiveAs(t, n, []byte("x"), "gzip", "", "gzip")
	}
	for _, c := range []struct {
		from string
		n    int
		want []string
	}{
		{"000000010000000000000004", 2, []string{"000000010000000000000004", "000000010000000000000006"}},
		{"000000010000000000000005", 9, []string{"000000010000000000000006", "000000010000000000000007"}},
		{"000000010000000000000008", 3, nil},
	} {
		got, err := f.a.Peek(c.from, c.n)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Peek(%s, %d) = %v, %v; want %v", c.from, c.n, got, err, c.want)
		}
	}
}
