package compress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
)

// ParallelChunk is the size of the pieces NewParallelWriter compresses
// independently. 4 MiB keeps the loss at the chunk boundaries below 0.1%
// for zstd and gzip on database files while bounding memory to a few
// chunks per worker.
const ParallelChunk = 4 << 20

// NewParallelWriter returns a writer that cuts what it is given into
// chunks of ParallelChunk bytes, compresses them with algo at level on
// workers goroutines, and writes the results to w in order, each as a
// complete frame (a gzip member, a zstd or lz4 frame). Concatenated
// frames are one valid stream for gzip -d, zstd -d, lz4 -d, tar and
// NewReader. Only gzip, zstd, lz4 and none are accepted: the algorithms
// of a base backup archive.
//
// Write only copies into the current chunk; the compression of the
// previous ones runs meanwhile, so a single producer (a network stream)
// is not slowed by the compressor. At most 2×workers+2 chunks are in
// flight. Close compresses the last chunk, waits for every write and
// returns the first error; it does not close w.
func NewParallelWriter(w io.Writer, algo string, level Level, workers int) (io.WriteCloser, error) {
	return newParallelWriter(w, algo, level, workers, ParallelChunk)
}

// newParallelWriter is NewParallelWriter with chunks of chunk bytes.
func newParallelWriter(w io.Writer, algo string, level Level, workers, chunk int) (io.WriteCloser, error) {
	algo, err := Canonical(algo)
	if err != nil {
		return nil, err
	}
	switch algo {
	case None:
		return plainWriter{w}, nil
	case Gzip, Zstd, LZ4:
	default:
		return nil, fmt.Errorf("compression %s cannot be used for a backup archive (accepted: gzip, lz4, zstd, none)", algo)
	}
	workers = max(workers, 1)
	p := &parallelWriter{
		chunk: chunk,
		algo:  algo,
		level: level,
		jobs:  make(chan *chunkJob, workers),
		order: make(chan *chunkJob, workers),
		free:  make(chan *chunkJob, workers+2),
		done:  make(chan struct{}),
	}
	for range workers {
		p.wg.Add(1)
		go p.work()
	}
	go p.writeOut(w)
	return p, nil
}

type parallelWriter struct {
	chunk int
	algo  string
	level Level
	cur   *chunkJob
	jobs  chan *chunkJob // to the compressing workers
	order chan *chunkJob // to the writing goroutine, in input order
	free  chan *chunkJob // recycled buffers
	wg    sync.WaitGroup
	done  chan struct{} // closed when writeOut returns

	mu     sync.Mutex
	err    error
	closed bool
	wrote  bool // a chunk was submitted
}

type chunkJob struct {
	in, out bytes.Buffer
	err     error
	ready   chan struct{}
}

func (p *parallelWriter) fail(err error) {
	p.mu.Lock()
	if p.err == nil {
		p.err = err
	}
	p.mu.Unlock()
}

func (p *parallelWriter) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

func (p *parallelWriter) job() *chunkJob {
	select {
	case j := <-p.free:
		j.in.Reset()
		j.out.Reset()
		j.err = nil
		j.ready = make(chan struct{})
		return j
	default:
		j := &chunkJob{ready: make(chan struct{})}
		j.in.Grow(p.chunk)
		return j
	}
}

func (p *parallelWriter) Write(b []byte) (int, error) {
	if err := p.failed(); err != nil {
		return 0, err
	}
	n := 0
	for len(b) > 0 {
		if p.cur == nil {
			p.cur = p.job()
		}
		k := min(len(b), p.chunk-p.cur.in.Len())
		p.cur.in.Write(b[:k])
		b, n = b[k:], n+k
		if p.cur.in.Len() == p.chunk {
			p.submit()
			if err := p.failed(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// submit hands the current chunk to the workers, keeping its place in
// the output order.
func (p *parallelWriter) submit() {
	j := p.cur
	p.cur = nil
	p.wrote = true
	p.order <- j
	p.jobs <- j
}

func (p *parallelWriter) work() {
	defer p.wg.Done()
	for j := range p.jobs {
		enc, err := NewWriter(&j.out, p.algo, p.level)
		if err == nil {
			_, err = enc.Write(j.in.Bytes())
			if cerr := enc.Close(); err == nil {
				err = cerr
			}
		}
		j.err = err
		close(j.ready)
	}
}

func (p *parallelWriter) writeOut(w io.Writer) {
	defer close(p.done)
	for j := range p.order {
		<-j.ready
		if p.failed() == nil {
			err := j.err
			if err == nil {
				_, err = w.Write(j.out.Bytes())
			}
			if err != nil {
				p.fail(err)
			}
		}
		select {
		case p.free <- j:
		default:
		}
	}
}

func (p *parallelWriter) Close() error {
	if p.closed {
		return errors.New("compress: parallel writer closed twice")
	}
	p.closed = true
	if p.cur != nil && p.cur.in.Len() > 0 || !p.wrote {
		// Nothing written at all still makes one (empty) frame: an
		// empty file is not a valid compressed stream.
		if p.cur == nil {
			p.cur = p.job()
		}
		p.submit()
	}
	close(p.jobs)
	close(p.order)
	p.wg.Wait()
	<-p.done
	return p.failed()
}
