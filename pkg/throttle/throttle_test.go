package throttle

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock advances only when the throttle sleeps.
type fakeClock struct {
	mu    sync.Mutex
	t     time.Time
	slept time.Duration
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
		c.slept += d
	}
	return nil
}

func withClock(rate int64) (*Throttle, *fakeClock) {
	c := &fakeClock{t: time.Unix(1000, 0)}
	th := New(rate)
	th.now, th.sleep = c.now, c.sleep
	return th, c
}

// Copying 10,000 bytes at 1,000 bytes/s takes 10 s of the clock, in any
// chunk size, through a reader or a writer.
func TestThrottleRate(t *testing.T) {
	for _, chunk := range []int{1, 100, 4096, 10000} {
		th, c := withClock(1000)
		data := bytes.Repeat([]byte("x"), 10000)
		r := th.Reader(context.Background(), io.LimitReader(bytes.NewReader(data), int64(len(data))))
		buf := make([]byte, chunk)
		if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf); err != nil {
			t.Fatal(err)
		}
		if c.slept != 10*time.Second {
			t.Errorf("chunk %d: slept %v, want 10s", chunk, c.slept)
		}
		th, c = withClock(1000)
		var out bytes.Buffer
		if _, err := io.Copy(th.Writer(context.Background(), &out), bytes.NewReader(data)); err != nil || out.Len() != len(data) {
			t.Fatal(err)
		}
		if c.slept != 10*time.Second {
			t.Errorf("writer: slept %v, want 10s", c.slept)
		}
	}
}

// Two streams share the limit: together they take as long as one stream
// of their sum.
func TestThrottleShared(t *testing.T) {
	th, c := withClock(500)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			io.Copy(io.Discard, th.Reader(context.Background(), strings.NewReader(strings.Repeat("y", 1000))))
		}()
	}
	wg.Wait()
	if c.slept < 4*time.Second-time.Millisecond || c.now().Sub(time.Unix(1000, 0)) != 4*time.Second {
		t.Errorf("two streams of 1,000 bytes at 500 bytes/s: clock at +%v", c.now().Sub(time.Unix(1000, 0)))
	}
}

// Idle time earns no burst.
func TestThrottleNoCreditForIdleTime(t *testing.T) {
	th, c := withClock(1000)
	th.Wait(context.Background(), 1000)
	c.t = c.t.Add(time.Hour) // a long pause
	before := c.slept
	th.Wait(context.Background(), 2000)
	if got := c.slept - before; got != 2*time.Second {
		t.Errorf("after a pause, 2,000 bytes waited %v, want 2s", got)
	}
}

func TestThrottleNilAndCancel(t *testing.T) {
	var th *Throttle = New(0)
	r := strings.NewReader("abc")
	if th.Reader(context.Background(), r) != io.Reader(r) || th.Wait(context.Background(), 10) != nil {
		t.Error("a zero rate limits")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	th = New(1)
	if err := th.Wait(ctx, 100); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait: %v", err)
	}
}
