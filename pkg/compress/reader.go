package compress

import (
	"errors"
	"io"
	"sync"

	"github.com/dsnet/compress/bzip2"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

var errClosed = errors.New("compress: use of a closed stream")

// NewReader returns a reader of the content of r decompressed with algo
// (any name Canonical accepts; with None r is read as it is). Input that
// ends early or is corrupt gives an error, never a clean io.EOF (except
// for snappy, whose framing has no end marker: a stream cut exactly
// between two chunks reads as a shorter one). Close does not close r.
func NewReader(r io.Reader, algo string, opts ...Option) (io.ReadCloser, error) {
	algo, err := Canonical(algo)
	if err != nil {
		return nil, err
	}
	switch algo {
	case None:
		return io.NopCloser(r), nil
	case Custom:
		return startDecompressFilter(r, collect(opts))
	case XZ:
		xr, err := xz.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(xr), nil
	}
	dec := decoderPool(algo).get()
	if dec != nil {
		err = dec.Reset(r)
	} else {
		dec, err = newDecoder(algo, r)
	}
	if err != nil {
		return nil, err
	}
	return &pooledReader{dec: dec, algo: algo}, nil
}

// decoder is a built-in decompressor that can be reused with Reset.
type decoder interface {
	io.Reader
	Reset(r io.Reader) error
}

var decoderPools sync.Map // algo -> *freeList[decoder]

func decoderPool(algo string) *freeList[decoder] {
	if p, ok := decoderPools.Load(algo); ok {
		return p.(*freeList[decoder])
	}
	p, _ := decoderPools.LoadOrStore(algo, new(freeList[decoder]))
	return p.(*freeList[decoder])
}

func newDecoder(algo string, r io.Reader) (decoder, error) {
	switch algo {
	case Gzip:
		return gzip.NewReader(r)
	case Zstd:
		// Synchronous decoding: no goroutines left behind by a reader
		// that is dropped before its end.
		return zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
	case LZ4:
		return lz4Reader{lz4.NewReader(r)}, nil
	case Bzip2:
		return bzip2.NewReader(r, nil)
	default: // Snappy: chunks hold at most 64 KiB
		return s2Reader{s2.NewReader(r, s2.ReaderMaxBlockSize(64<<10))}, nil
	}
}

type lz4Reader struct{ *lz4.Reader }

func (l lz4Reader) Reset(r io.Reader) error { l.Reader.Reset(r); return nil }

type s2Reader struct{ *s2.Reader }

func (s s2Reader) Reset(r io.Reader) error { s.Reader.Reset(r); return nil }

// pooledReader returns its decoder to the pool when closed after the end
// of the stream.
type pooledReader struct {
	dec    decoder
	algo   string
	eof    bool
	closed bool
}

func (p *pooledReader) Read(b []byte) (int, error) {
	if p.closed {
		return 0, errClosed
	}
	n, err := p.dec.Read(b)
	p.eof = err == io.EOF
	return n, err
}

// WriteTo lets io.Copy use the decoder's own WriteTo when it has one.
func (p *pooledReader) WriteTo(w io.Writer) (int64, error) {
	if p.closed {
		return 0, errClosed
	}
	wt, ok := p.dec.(io.WriterTo)
	if !ok {
		return copyBuffered(w, readerOnly{p})
	}
	n, err := wt.WriteTo(w)
	p.eof = err == nil
	return n, err
}

func (p *pooledReader) Close() error {
	if p.closed {
		return nil
	}
	p.closed = true
	if p.eof {
		_ = p.dec.Reset(emptyReader{})
		decoderPool(p.algo).put(p.dec)
	}
	return nil
}

type readerOnly struct{ io.Reader }

// emptyReader lets a pooled decoder drop its reference to the source.
// Resetting gzip on it fails (no header), which is harmless.
type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, io.EOF }

// copyBuffered copies with a pooled 256 KiB buffer, hiding r's WriterTo
// and w's ReaderFrom so that neither calls back into the caller.
func copyBuffered(w io.Writer, r io.Reader) (int64, error) {
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	return io.CopyBuffer(writerOnly{w}, readerOnly{r}, *bp)
}

type writerOnly struct{ io.Writer }

const copyBufSize = 256 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}
