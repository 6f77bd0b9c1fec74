package compress

import (
	"sync"
	"time"
)

// idleTimeout is how long unused codecs are kept.
const idleTimeout = time.Minute

// freeList keeps idle codecs of one setting for reuse. Unlike sync.Pool it
// never holds more codecs than were in use at once: sync.Pool's per-CPU
// caches made two workers create and keep three or four bzip2 -9 encoders
// of 19 MiB each. Codecs left idle for idleTimeout are dropped.
type freeList[T any] struct {
	mu       sync.Mutex
	idle     []T
	lastUsed time.Time
	timer    *time.Timer
}

// get returns an idle codec, or the zero T when there is none.
func (f *freeList[T]) get() T {
	f.mu.Lock()
	defer f.mu.Unlock()
	var zero T
	if len(f.idle) == 0 {
		return zero
	}
	c := f.idle[len(f.idle)-1]
	f.idle[len(f.idle)-1] = zero
	f.idle = f.idle[:len(f.idle)-1]
	return c
}

func (f *freeList[T]) put(c T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.idle = append(f.idle, c)
	f.lastUsed = time.Now()
	if f.timer == nil {
		f.timer = time.AfterFunc(idleTimeout, f.trim)
	}
}

// trim drops the idle codecs once none was returned for idleTimeout.
func (f *freeList[T]) trim() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if wait := idleTimeout - time.Since(f.lastUsed); wait > 0 {
		f.timer.Reset(wait)
		return
	}
	clear(f.idle)
	f.idle, f.timer = nil, nil
}
