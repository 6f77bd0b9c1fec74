package throttle

import (
	"context"
	"io"
	"sync"
	"time"
)

// Throttle lets through at most Rate bytes per second on average. It
// keeps no credit for idle time: after a pause the stream goes on at
// the rate, not in a burst.
type Throttle struct {
	rate float64 // bytes per second
	mu   sync.Mutex
	next time.Time // when the bytes let through so far are due
	sent int64     // bytes let through, for Sent
	// now and sleep are the clock; tests replace them.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a Throttle of bytesPerSecond, or nil (no limit) when it is
// not positive.
func New(bytesPerSecond int64) *Throttle {
	if bytesPerSecond <= 0 {
		return nil
	}
	return &Throttle{rate: float64(bytesPerSecond), now: time.Now, sleep: sleep}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Wait blocks until n more bytes may go. A nil Throttle never waits.
func (t *Throttle) Wait(ctx context.Context, n int) error {
	if t == nil || n <= 0 {
		return nil
	}
	t.mu.Lock()
	t.sent += int64(n)
	now := t.now()
	if t.next.Before(now) {
		t.next = now
	}
	t.next = t.next.Add(time.Duration(float64(n) / t.rate * float64(time.Second)))
	d := t.next.Sub(now)
	t.mu.Unlock()
	return t.sleep(ctx, d)
}

// Sent returns the bytes t has let through (0 for nil).
func (t *Throttle) Sent() int64 {
	if t == nil {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sent
}

// Reader returns r limited by t (r itself when t is nil).
func (t *Throttle) Reader(ctx context.Context, r io.Reader) io.Reader {
	if t == nil {
		return r
	}
	return &reader{ctx: ctx, t: t, r: r}
}

type reader struct {
	ctx context.Context
	t   *Throttle
	r   io.Reader
}

func (r *reader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	if werr := r.t.Wait(r.ctx, n); werr != nil && err == nil {
		err = werr
	}
	return n, err
}

// Writer returns w limited by t (w itself when t is nil).
func (t *Throttle) Writer(ctx context.Context, w io.Writer) io.Writer {
	if t == nil {
		return w
	}
	return &writer{ctx: ctx, t: t, w: w}
}

type writer struct {
	ctx context.Context
	t   *Throttle
	w   io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	if err := w.t.Wait(w.ctx, len(p)); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}
