package compress

import (
	"io"
	"sync"

	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

// NewWriter returns a writer that compresses what it is given with algo
// (any name Canonical accepts) at level into w. Close flushes the end of
// the stream; it does not close w. With None the data goes to w as it is.
func NewWriter(w io.Writer, algo string, level Level, opts ...Option) (io.WriteCloser, error) {
	algo, err := Canonical(algo)
	if err != nil {
		return nil, err
	}
	switch algo {
	case None:
		return plainWriter{w}, nil
	case Custom:
		return startCompressFilter(w, collect(opts))
	case XZ:
		return newXZWriter(w, resolve(XZ, level))
	}
	key := poolKey{algo, encoderLevel(algo, resolve(algo, level))}
	enc := encoderPool(key).get()
	if enc == nil {
		if enc, err = newEncoder(key); err != nil {
			return nil, err
		}
	}
	enc.Reset(w)
	return &pooledWriter{enc: enc, key: key}, nil
}

// encoder is a built-in compressor that can be reused with Reset.
type encoder interface {
	io.WriteCloser
	Reset(w io.Writer)
}

// poolKey names an encoder setting: the level is in the library's own
// terms, so that levels giving the same encoder share a pool.
type poolKey struct {
	algo  string
	level int
}

func encoderLevel(algo string, level int) int {
	switch algo {
	case LZ4:
		return lz4Level(level)
	case Zstd:
		return int(zstd.EncoderLevelFromZstd(level))
	}
	return level
}

// encoderPools holds a *freeList per algorithm and level: encoders are
// expensive to create (a zstd encoder allocates its window and tables, a
// bzip2 -9 one 19 MiB), cheap to reset.
var encoderPools sync.Map

func encoderPool(k poolKey) *freeList[encoder] {
	if p, ok := encoderPools.Load(k); ok {
		return p.(*freeList[encoder])
	}
	p, _ := encoderPools.LoadOrStore(k, new(freeList[encoder]))
	return p.(*freeList[encoder])
}

func newEncoder(k poolKey) (encoder, error) {
	switch k.algo {
	case Gzip:
		return gzip.NewWriterLevel(nil, k.level)
	case Zstd:
		return newZstdEncoder(zstd.EncoderLevel(k.level))
	case LZ4:
		w := lz4.NewWriter(nil)
		// 1 MiB blocks rather than 4 MiB: a quarter of the buffers, the
		// same output within 0.2% on WAL.
		err := w.Apply(lz4.CompressionLevelOption(lz4.CompressionLevel(k.level)), lz4.ConcurrencyOption(1),
			lz4.BlockSizeOption(lz4.Block1Mb))
		return w, err
	case Bzip2:
		w, err := bzip2.NewWriter(nil, &bzip2.WriterConfig{Level: k.level})
		return bzip2Writer{w}, err
	default: // Snappy
		return s2.NewWriter(nil, s2.WriterSnappyCompat(), s2.WriterConcurrency(1)), nil
	}
}

// newZstdEncoder makes an encoder that runs in the caller's goroutine:
// parallelism comes from compressing several files at once, and memory
// stays one window per worker. The window is 2 MiB up to level 5 (what
// zstd -3 uses on large inputs) and 4 MiB up to 9, instead of klauspost's
// 8 MiB: on WAL the output grows by 0.5% at most, while the encoder needs
// a quarter of the memory and skips a costly move of its history buffer
// (16 MiB segments, level 3: 40% less time).
func newZstdEncoder(el zstd.EncoderLevel) (*zstd.Encoder, error) {
	opts := []zstd.EOption{zstd.WithEncoderLevel(el), zstd.WithEncoderConcurrency(1)}
	switch el {
	case zstd.SpeedFastest, zstd.SpeedDefault:
		opts = append(opts, zstd.WithWindowSize(2<<20))
	case zstd.SpeedBetterCompression:
		opts = append(opts, zstd.WithWindowSize(4<<20))
	}
	return zstd.NewWriter(nil, opts...)
}

// lz4Level maps lz4's 0..16 scale (as python's lz4.frame and the lz4 CLI
// use it: up to 2 is the fast compressor, 3 and up the HC one) to
// pierrec/lz4, whose HC levels stop at 9.
func lz4Level(level int) int {
	if level < 3 {
		return int(lz4.Fast)
	}
	return int(lz4.Level1) << (min(level, 9) - 1)
}

type bzip2Writer struct{ *bzip2.Writer }

func (b bzip2Writer) Reset(w io.Writer) { _ = b.Writer.Reset(w) } // never fails

// pooledWriter returns its encoder to the pool when closed cleanly.
type pooledWriter struct {
	enc    encoder
	key    poolKey
	closed bool
}

func (p *pooledWriter) Write(b []byte) (int, error) {
	if p.closed {
		return 0, errClosed
	}
	return p.enc.Write(b)
}

// ReadFrom lets io.Copy use the encoder's own ReadFrom (zstd, lz4, s2 read
// straight into their block buffers), or else copy in large chunks.
func (p *pooledWriter) ReadFrom(r io.Reader) (int64, error) {
	if p.closed {
		return 0, errClosed
	}
	if rf, ok := p.enc.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return copyBuffered(p.enc, r)
}

func (p *pooledWriter) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	err := p.enc.Close()
	if err == nil {
		p.enc.Reset(io.Discard) // drop the reference to the destination
		encoderPool(p.key).put(p.enc)
	}
	return err
}

// plainWriter is the None "compressor".
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) { return p.w.Write(b) }
func (p plainWriter) Close() error                { return nil }

// ReadFrom keeps *os.File's fast paths (copy_file_range) for plain copies.
func (p plainWriter) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := p.w.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return copyBuffered(p.w, r)
}

// newXZWriter writes xz with the dictionary of xz -1 (1 MiB) and the
// hash-table matcher, whatever the level: ulikunitz/xz has no presets,
// and on WAL segments its larger dictionaries were both slower and
// bigger (16 MiB of pgbench WAL: 1 MiB 2.4 s, 1.17 MB; 8 MiB 4.3 s,
// 1.28 MB) while needing several times the memory; its binary-tree
// matcher is slower still.
func newXZWriter(w io.Writer, _ int) (io.WriteCloser, error) {
	xw, err := xz.WriterConfig{DictCap: 1 << 20, Matcher: lzma.HashTable4}.NewWriter(w)
	if err != nil {
		return nil, err
	}
	return &onceCloser{WriteCloser: xw}, nil
}

// onceCloser makes a second Close a no-op, as for the other writers.
type onceCloser struct {
	io.WriteCloser
	closed bool
	err    error
}

func (o *onceCloser) Close() error {
	if !o.closed {
		o.closed = true
		o.err = o.WriteCloser.Close()
	}
	return o.err
}
