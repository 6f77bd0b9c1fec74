package compress

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// TestParallelWriter: whatever the size and the number of workers, the
// chunked output reads back identical with NewReader and with the
// system tool (gzip -d, zstd -d, lz4 -d), which must accept concatenated
// frames.
func TestParallelWriter(t *testing.T) {
	// Small chunks: the same code paths, a fraction of the time.
	const chunk = 256 << 10
	big := walLike(5*chunk + chunk/2)
	for _, algo := range []string{Gzip, Zstd, LZ4, None} {
		for _, size := range []int{0, 1, chunk, len(big)} {
			for _, workers := range []int{1, 3} {
				if workers == 1 && size != len(big) {
					continue // several chunks are what one worker may get wrong
				}
				data := big[:size]
				var out bytes.Buffer
				w, err := newParallelWriter(&out, algo, DefaultLevel, workers, chunk)
				if err != nil {
					t.Fatal(err)
				}
				// Odd write sizes cross chunk boundaries.
				for rest := data; len(rest) > 0; {
					k := min(len(rest), 100<<10+7)
					if _, err := w.Write(rest[:k]); err != nil {
						t.Fatal(err)
					}
					rest = rest[k:]
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				got, err := decompressBytes(t, out.Bytes(), algo)
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("%s, %d bytes, %d workers: read back %d bytes, %v", algo, size, workers, len(got), err)
				}
				if algo == None {
					continue
				}
				if size == len(big) {
					// Chunking costs little next to one stream (more with
					// these small chunks than with ParallelChunk).
					if one := len(compressBytes(t, data, algo, DefaultLevel)); float64(out.Len()) > 1.05*float64(one) {
						t.Errorf("%s: %d bytes compressed to %d in chunks, to %d in one stream", algo, size, out.Len(), one)
					}
				}
				for _, st := range systemTools {
					if st.algo != algo || st.tool == "pigz" || size == chunk {
						continue
					}
					pgtest.Require(t, st.tool, st.tool)
					if got := runTool(t, out.Bytes(), st.tool, st.decompress...); !bytes.Equal(got, data) {
						t.Fatalf("%s -d of our parallel %s output (%d bytes): %d bytes back", st.tool, algo, size, len(got))
					}
				}
			}
		}
	}
}

// errWriter fails every write.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestParallelWriterError(t *testing.T) {
	w, err := NewParallelWriter(errWriter{}, Zstd, DefaultLevel, 2)
	if err != nil {
		t.Fatal(err)
	}
	data := walLike(5 * ParallelChunk)
	var werr error
	for i := 0; i < 5 && werr == nil; i++ {
		_, werr = w.Write(data[i*ParallelChunk : (i+1)*ParallelChunk])
	}
	cerr := w.Close()
	if cerr == nil || cerr.Error() != "disk full" {
		t.Fatalf("Close = %v (Write = %v), want the writer's error", cerr, werr)
	}
	if _, err := NewParallelWriter(io.Discard, Bzip2, DefaultLevel, 2); err == nil {
		t.Error("bzip2 accepted for a backup archive")
	}
}
