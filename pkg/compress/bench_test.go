package compress

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkCompress compresses a 16 MiB WAL-like segment at each
// algorithm's default level, as archiving does.
func BenchmarkCompress(b *testing.B) {
	data := walLike(segmentSize)
	for _, algo := range builtins {
		b.Run(algo, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			var out bytes.Buffer
			out.Grow(len(data))
			for b.Loop() {
				out.Reset()
				w, err := NewWriter(&out, algo, DefaultLevel)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(w, bytes.NewReader(data)); err != nil {
					b.Fatal(err)
				}
				if err := w.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len())/float64(len(data))*100, "%size")
		})
	}
}

// BenchmarkDecompress reads it back, as restoring does.
func BenchmarkDecompress(b *testing.B) {
	data := walLike(segmentSize)
	for _, algo := range builtins {
		b.Run(algo, func(b *testing.B) {
			z := compressBytes(b, data, algo, DefaultLevel)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				r, err := NewReader(bytes.NewReader(z), algo)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
	}
}
