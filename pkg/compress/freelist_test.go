package compress

import (
	"testing"
	"time"
)

func TestFreeList(t *testing.T) {
	var f freeList[*int]
	if f.get() != nil {
		t.Fatal("empty list gave a value")
	}
	a, b := new(int), new(int)
	f.put(a)
	f.put(b)
	if f.get() != b || f.get() != a || f.get() != nil {
		t.Fatal("not last in, first out")
	}
	f.put(a)
	f.trim() // used just now: kept
	if len(f.idle) != 1 {
		t.Fatal("trimmed too early")
	}
	f.mu.Lock()
	f.lastUsed = time.Now().Add(-2 * idleTimeout)
	f.mu.Unlock()
	f.trim()
	if f.get() != nil || f.timer != nil {
		t.Fatal("idle value kept")
	}
}
