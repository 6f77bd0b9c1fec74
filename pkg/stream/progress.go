package stream

import (
	"sync"
	"time"
)

// ReportProgress writes a progress record to w every interval until stop
// is called, from sample (the stage's counters; Time, rate and ETA are
// filled in here). It writes nothing when interval is not positive.
func ReportProgress(w *Writer, interval time.Duration, sample func() Progress) (stop func()) {
	if interval <= 0 || w == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		var last Progress
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				p := sample()
				p.Time = now.UTC()
				fillRate(&p, last)
				if w.Write(&p) != nil {
					return
				}
				last = p
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(done) })
		wg.Wait()
	}
}

// fillRate sets the rate since the previous record and the ETA at that
// rate.
func fillRate(p *Progress, prev Progress) {
	if prev.Time.IsZero() {
		return
	}
	secs := p.Time.Sub(prev.Time).Seconds()
	if secs <= 0 {
		return
	}
	p.BytesPerSecond = float64(p.DoneBytes-prev.DoneBytes) / secs
	if p.BytesPerSecond > 0 && p.TotalBytes > p.DoneBytes {
		p.ETASeconds = float64(p.TotalBytes-p.DoneBytes) / p.BytesPerSecond
	}
}
