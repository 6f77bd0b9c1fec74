package cloud

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/klauspost/pgzip"
	"github.com/pierrec/lz4/v4"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/storage"
)

// newCompressor returns a writer compressing into w as ONE stream that
// Python's tarfile stream mode ('r|gz', 'r|bz2') and python-snappy's
// StreamDecompressor read whole: gzip is a single member whose blocks
// pgzip compresses in parallel (pkg/compress's parallel writer
// concatenates members, and tarfile stops at the first one); snappy is
// s2's snappy-compatible framing (64 KiB chunks, python-snappy's limit)
// with blocks compressed in parallel; zstd and lz4 use their libraries'
// concurrency; bzip2 has none (dsnet's writer is single-threaded).
func newCompressor(w io.Writer, algo string) (io.WriteCloser, error) {
	procs := runtime.GOMAXPROCS(0)
	switch algo {
	case compress.None:
		return nopWriteCloser{w}, nil
	case compress.Gzip:
		z, err := pgzip.NewWriterLevel(w, pgzip.DefaultCompression)
		if err != nil {
			return nil, err
		}
		// 1 MiB blocks, one per CPU in flight: a few MiB of memory.
		if err := z.SetConcurrency(1<<20, procs); err != nil {
			return nil, err
		}
		return z, nil
	case compress.Bzip2:
		return bzip2.NewWriter(w, &bzip2.WriterConfig{Level: bzip2.DefaultCompression})
	case compress.Snappy:
		return s2.NewWriter(w, s2.WriterSnappyCompat(), s2.WriterConcurrency(procs)), nil
	case compress.Zstd:
		return zstd.NewWriter(w, zstd.WithEncoderConcurrency(procs), zstd.WithWindowSize(4<<20))
	case compress.LZ4:
		z := lz4.NewWriter(w)
		if err := z.Apply(lz4.ConcurrencyOption(procs), lz4.BlockSizeOption(lz4.Block1Mb)); err != nil {
			return nil, err
		}
		return z, nil
	}
	return nil, fmt.Errorf("compression %q: want gzip, bzip2, snappy, zstd or lz4", algo)
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// countingWriter counts the bytes written through it. The compressors
// write from their own goroutines (pgzip) while the feeder reads the
// count: it is atomic.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

// archive is one tar archive being uploaded: tar -> compressor -> count -> object.
type archive struct {
	name  string
	obj   storage.Writer
	count *countingWriter
	comp  io.WriteCloser
	tw    *tar.Writer
}

// close ends the tar and the compressed stream and commits the object.
func (a *archive) close() error {
	if err := a.tw.Close(); err != nil {
		return fmt.Errorf("write %s: %w", a.name, err)
	}
	if err := a.comp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", a.name, err)
	}
	if err := a.obj.Commit(); err != nil {
		return fmt.Errorf("upload %s: %w", a.name, err)
	}
	return nil
}

func (a *archive) abort() {
	a.comp.Close()
	a.obj.Abort()
}

// archiveSet writes the archives of one root of a backup ("data" or a
// tablespace oid) as Barman's CloudUploadController does: a new archive
// (data_0001.tar...) is started before a member is added once the
// current one's compressed size is over max.
type archiveSet struct {
	ctx    context.Context
	st     storage.Storage
	layout Layout
	id     string
	root   string
	algo   string
	max    int64

	cur     *archive
	seq     *seq  // numbers the archives of the root, shared by its lanes
	written int64 // compressed bytes of the archives closed
}

// seq hands out the archive numbers of a root: 0 (data.tar), 1
// (data_0001.tar), ... Lanes writing one root at once share it.
type seq struct {
	mu sync.Mutex
	n  int
}

func (q *seq) next() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.n++
	return q.n - 1
}

// tar returns the tar writer to add the next member to.
func (s *archiveSet) tar() (*tar.Writer, error) {
	if s.cur != nil && s.cur.count.n.Load() > s.max {
		if err := s.closeCurrent(); err != nil {
			return nil, err
		}
	}
	if s.cur == nil {
		if s.seq == nil {
			s.seq = &seq{}
		}
		name := s.layout.ArchiveName(s.id, s.root, s.seq.next(), s.algo)
		obj, err := s.st.Create(s.ctx, name, storage.CreateOptions{})
		if err != nil {
			return nil, err
		}
		cw := &countingWriter{w: obj}
		comp, err := newCompressor(cw, s.algo)
		if err != nil {
			obj.Abort()
			return nil, err
		}
		s.cur = &archive{name: name, obj: obj, count: cw, comp: comp, tw: tar.NewWriter(comp)}
	}
	return s.cur.tw, nil
}

func (s *archiveSet) closeCurrent() error {
	a := s.cur
	s.cur = nil
	if err := a.close(); err != nil {
		a.abort()
		return err
	}
	s.written += a.count.n.Load()
	return nil
}

// close commits the archive in progress.
func (s *archiveSet) close() error {
	if s.cur == nil {
		return nil
	}
	return s.closeCurrent()
}

// abort drops the archive in progress (committed ones stay: without a
// backup.info with status DONE they are no backup).
func (s *archiveSet) abort() {
	if s.cur != nil {
		s.cur.abort()
		s.cur = nil
	}
}
