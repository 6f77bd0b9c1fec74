package compress

import (
	"bytes"
	"io"
	"testing"
)

// TestDetectServerCompression: Barman's rule for a file with no known
// magic: custom when the server compresses with custom and has no custom
// magic, uncompressed otherwise.
func TestDetectServerCompression(t *testing.T) {
	raw := []byte("XYZW\x1f\x8b\x08 after a prefix")
	gz := []byte{0x1f, 0x8b, 0x08, 0}
	magic := []byte("MAGIC")
	for _, tc := range []struct {
		name string
		head []byte
		opts []Option
		want string
	}{
		{"no option", raw, nil, ""},
		{"server custom", raw, []Option{WithServerCompression("custom")}, Custom},
		{"server custom, case and spaces", raw, []Option{WithServerCompression(" Custom ")}, Custom},
		{"server custom with a magic that does not match", raw, []Option{WithServerCompression(Custom), WithCustom("", "", magic)}, ""},
		{"server custom with its magic", []byte("MAGIC..."), []Option{WithServerCompression(Custom), WithCustom("", "", magic)}, Custom},
		{"server gzip", raw, []Option{WithServerCompression(Gzip)}, ""},
		{"server custom, a gzip file", gz, []Option{WithServerCompression(Custom)}, Gzip},
		{"server custom, an empty file", nil, []Option{WithServerCompression(Custom)}, Custom},
	} {
		if got := Detect(tc.head, tc.opts...); got != tc.want {
			t.Errorf("%s: Detect = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestOpenAutoServerCustom: OpenAuto runs custom_decompression_filter on
// a file with no known magic when the server compresses with custom.
func TestOpenAutoServerCustom(t *testing.T) {
	data := walLike(1 << 20)
	var z bytes.Buffer
	w, err := NewWriter(&z, Custom, DefaultLevel, WithCustom("printf XYZW && gzip -c", "", nil))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, algo, err := OpenAuto(bytes.NewReader(z.Bytes()), WithServerCompression(Custom), WithCustom("", "tail -c +5 | gzip -dc", nil))
	if err != nil || algo != Custom {
		t.Fatalf("OpenAuto = %q, %v", algo, err)
	}
	defer r.Close()
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, data) {
		t.Errorf("OpenAuto read %d bytes (%v), want the %d written", len(got), err, len(data))
	}
}
