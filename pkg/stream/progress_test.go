package stream

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer safe for the reporter's goroutine and
// the test's.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Count(b.buf.Bytes(), []byte("\n"))
}

func TestReportProgress(t *testing.T) {
	var lb lockedBuffer
	w := NewWriter(&lb)
	var done atomic.Int64
	stop := ReportProgress(w, 10*time.Millisecond, func() Progress {
		return Progress{Stage: "basebackup", DoneBytes: done.Add(1000), TotalBytes: 1 << 30}
	})
	for lb.lines() < 3 {
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	n := lb.lines()
	time.Sleep(30 * time.Millisecond)
	if lb.lines() != n {
		t.Error("progress records written after stop")
	}
	r := NewReader(bytes.NewReader(lb.buf.Bytes()), "progress")
	var last *Progress
	for i := 0; i < n; i++ {
		rec, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		p, ok := rec.(*Progress)
		if !ok || p.Stage != "basebackup" || p.Time.IsZero() {
			t.Fatalf("record %d: %#v", i, rec)
		}
		if i > 0 && (p.BytesPerSecond <= 0 || p.ETASeconds <= 0) {
			t.Errorf("record %d has no rate or ETA: %+v", i, p)
		}
		last = p
	}
	if last.DoneBytes < 3000 {
		t.Errorf("last record %+v", last)
	}
	if s := ReportProgress(w, 0, nil); s == nil {
		t.Error("nil stop")
	}
}
