package compress

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

var builtins = []string{Gzip, Bzip2, Zstd, LZ4, XZ, Snappy}

func compressBytes(t testing.TB, data []byte, algo string, level Level, opts ...Option) []byte {
	t.Helper()
	var out bytes.Buffer
	w, err := NewWriter(&out, algo, level, opts...)
	if err != nil {
		t.Fatalf("NewWriter(%s): %v", algo, err)
	}
	if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
		t.Fatalf("compress %s: %v", algo, err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close %s: %v", algo, err)
	}
	return out.Bytes()
}

func decompressBytes(t testing.TB, data []byte, algo string, opts ...Option) ([]byte, error) {
	t.Helper()
	r, err := NewReader(bytes.NewReader(data), algo, opts...)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out bytes.Buffer
	_, err = io.Copy(&out, r)
	return out.Bytes(), err
}

func TestRoundTrip(t *testing.T) {
	inputs := map[string][]byte{"empty": {}, "one": {7}, "wal": walLike(testSize(1 << 20))}
	for _, algo := range append([]string{None, "pigz", "pybzip2"}, builtins...) {
		for _, lv := range []string{"low", "medium", "high", "-100", "100"} {
			level, err := ParseLevel(lv, algo)
			if err != nil {
				t.Fatal(err)
			}
			for name, data := range inputs {
				t.Run(fmt.Sprintf("%s/%s/%s", algo, lv, name), func(t *testing.T) {
					// snappy writes nothing at all for an empty input, like
					// python-snappy: an empty file is "uncompressed" and empty.
					z := compressBytes(t, data, algo, level)
					if want, _ := Canonical(algo); want != None && len(z) > 0 && Detect(z) != want {
						t.Errorf("Detect = %q, want %q", Detect(z), want)
					}
					got, err := decompressBytes(t, z, algo)
					if err != nil || !bytes.Equal(got, data) {
						t.Fatalf("round trip: %d bytes, want %d; err %v", len(got), len(data), err)
					}
				})
			}
		}
	}
}

// testSize is n, or an eighth of it under the race detector.
func testSize(n int) int {
	if raceEnabled {
		return n / 8
	}
	return n
}

// TestRealSegment compresses a segment written by PostgreSQL with every
// algorithm at its default level, through OpenAuto.
func TestRealSegment(t *testing.T) {
	seg := realWAL(t)
	if Detect(seg) != "" {
		t.Fatalf("Detect(raw segment) = %q", Detect(seg))
	}
	seg = seg[:testSize(len(seg))]
	for _, algo := range builtins {
		t.Run(algo, func(t *testing.T) {
			z := compressBytes(t, seg, algo, DefaultLevel)
			r, got, err := OpenAuto(bytes.NewReader(z))
			if err != nil || got != algo {
				t.Fatalf("OpenAuto = %q, %v", got, err)
			}
			defer r.Close()
			var out bytes.Buffer
			if _, err := io.Copy(&out, r); err != nil || !bytes.Equal(out.Bytes(), seg) {
				t.Fatalf("round trip failed: %v", err)
			}
			t.Logf("%s: %d -> %d bytes", algo, len(seg), len(z))
		})
	}
}

func TestOpenAutoPlain(t *testing.T) {
	data := walLike(1 << 20)
	r, algo, err := OpenAuto(bytes.NewReader(data))
	if err != nil || algo != "" {
		t.Fatalf("OpenAuto = %q, %v", algo, err)
	}
	got, _ := io.ReadAll(r)
	if !bytes.Equal(got, data) {
		t.Fatal("plain input changed")
	}
	r, algo, err = OpenAuto(bytes.NewReader(nil))
	if err != nil || algo != "" {
		t.Fatalf("OpenAuto(empty) = %q, %v", algo, err)
	}
	r.Close()
}

// TestTruncated checks that a stream cut short is an error, never a clean
// shorter stream.
func TestTruncated(t *testing.T) {
	data := walLike(testSize(1 << 20))
	for _, algo := range builtins {
		z := compressBytes(t, data, algo, DefaultLevel)
		for _, cut := range []int{len(z) - 1, len(z) / 2, 5} {
			t.Run(fmt.Sprintf("%s/%d", algo, cut), func(t *testing.T) {
				got, err := decompressBytes(t, z[:cut], algo)
				if err == nil {
					t.Fatalf("no error, %d bytes out of %d", len(got), len(data))
				}
			})
		}
	}
}

func TestCorrupt(t *testing.T) {
	data := walLike(testSize(1 << 20))
	for _, algo := range builtins {
		z := bytes.Clone(compressBytes(t, data, algo, DefaultLevel))
		z[len(z)/2] ^= 0x55
		got, err := decompressBytes(t, z, algo)
		if err == nil && bytes.Equal(got, data) {
			t.Errorf("%s: corruption not noticed", algo)
		} else if err == nil {
			t.Errorf("%s: corrupt stream read without error", algo)
		}
	}
}

func TestDoubleCloseAndReuse(t *testing.T) {
	data := walLike(testSize(256 << 10))
	for _, algo := range builtins {
		for range 3 { // the pool hands back reset encoders
			var out bytes.Buffer
			w, _ := NewWriter(&out, algo, DefaultLevel)
			w.Write(data)
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatalf("%s: second Close: %v", algo, err)
			}
			if _, err := w.Write(data); err == nil {
				t.Errorf("%s: Write after Close succeeded", algo)
			}
			got, err := decompressBytes(t, out.Bytes(), algo)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("%s: round trip after reuse: %v", algo, err)
			}
		}
	}
}
