package basebackup

import (
	"io"
	"sync"
)

// asyncPipe is an in-memory pipe with a queue: Write copies into blocks
// of asyncBlock bytes and queues them (at most asyncDepth), so that the
// side receiving from the network keeps reading while the other side
// waits for the disk. io.Pipe hands over each write synchronously: with
// it, every disk write stalled the connection, and the server with it.
type asyncPipe struct {
	queue chan []byte
	free  chan []byte
	cur   []byte // the writer's block being filled

	block []byte // the reader's current block
	rest  []byte // its unread part

	once   sync.Once
	closed chan struct{} // closed by CloseRead
	mu     sync.Mutex
	rerr   error // why the reader stopped
	werr   error // why the writer stopped (nil: EOF)
}

const (
	asyncBlock = 256 << 10
	asyncDepth = 32 // 8 MiB queued at most
)

func newAsyncPipe() *asyncPipe {
	return &asyncPipe{queue: make(chan []byte, asyncDepth), free: make(chan []byte, asyncDepth+2), closed: make(chan struct{})}
}

func (p *asyncPipe) readErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.rerr == nil {
		return io.ErrClosedPipe
	}
	return p.rerr
}

// Write queues a copy of b. It fails with the reader's error once the
// reader stopped.
func (p *asyncPipe) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		if p.cur == nil {
			select {
			case p.cur = <-p.free:
				p.cur = p.cur[:0]
			default:
				p.cur = make([]byte, 0, asyncBlock)
			}
		}
		k := copy(p.cur[len(p.cur):cap(p.cur)], b)
		p.cur = p.cur[:len(p.cur)+k]
		b, n = b[k:], n+k
		if len(p.cur) == cap(p.cur) {
			if err := p.send(); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

func (p *asyncPipe) send() error {
	blk := p.cur
	p.cur = nil
	select {
	case p.queue <- blk:
		return nil
	case <-p.closed:
		return p.readErr()
	}
}

// CloseWrite queues what is left and ends the stream: the reader gets
// err after the queued data, or io.EOF when err is nil.
func (p *asyncPipe) CloseWrite(err error) error {
	var serr error
	if err == nil && len(p.cur) > 0 {
		serr = p.send()
	}
	p.mu.Lock()
	p.werr = err
	p.mu.Unlock()
	close(p.queue)
	return serr
}

// Read returns queued data, then the writer's error or io.EOF.
func (p *asyncPipe) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for len(p.rest) == 0 {
		if p.block != nil {
			select {
			case p.free <- p.block:
			default:
			}
			p.block = nil
		}
		blk, ok := <-p.queue
		if !ok {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.werr != nil {
				return 0, p.werr
			}
			return 0, io.EOF
		}
		p.block, p.rest = blk, blk
	}
	n := copy(b, p.rest)
	p.rest = p.rest[n:]
	return n, nil
}

// CloseRead stops the reader with err: pending and later writes fail
// with it.
func (p *asyncPipe) CloseRead(err error) {
	p.once.Do(func() {
		p.mu.Lock()
		p.rerr = err
		p.mu.Unlock()
		close(p.closed)
	})
}
