package walscan

import (
	"testing"

	"github.com/gobarman/barman/pkg/walname"
)

// FuzzFeed feeds two consecutive 1 MiB segments that start with the fuzzed
// bytes (and zeros after them): Feed must never panic, and what it reports
// must lie where it read.
func FuzzFeed(f *testing.F) {
	for _, tt := range craftedTests {
		b := newBuilder(f, 2)
		tt.build(b)
		f.Add(used(b.segment(0)), used(b.segment(1)))
	}
	f.Add([]byte("not WAL"), []byte{})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		s, err := NewScanner(testSegSize)
		if err != nil {
			t.Fatal(err)
		}
		for i, data := range [][]byte{a, b} {
			seg := make([]byte, testSegSize)
			copy(seg, data)
			name := walname.Name{Kind: walname.Segment, Timeline: 1, Seg: uint32(1 + i)}
			evs, err := s.Feed(name.String(), seg)
			if err != nil {
				continue
			}
			checkReported(t, s, name, evs)
		}
	})
}

// used returns seg up to the last page that is not all zeros.
func used(seg []byte) []byte {
	n := 0
	for off := 0; off < len(seg); off += blockSize {
		for _, c := range seg[off : off+blockSize] {
			if c != 0 {
				n = off + blockSize
				break
			}
		}
	}
	return seg[:n]
}

// checkReported checks that what Feed of segment n reported lies in it.
func checkReported(t *testing.T, s *Scanner, n walname.Name, evs []Event) {
	start, _ := n.StartLSN(testSegSize)
	end := start + testSegSize
	for _, ev := range evs {
		if ev.LSN >= ev.EndLSN || ev.EndLSN <= start || ev.EndLSN > end || ev.Kind == 0 {
			t.Fatalf("%s: event %+v out of place", n, ev)
		}
	}
	if e := s.EndOfWAL(); e != nil && (e.LSN >= end || e.Reason == "") {
		t.Fatalf("%s: %v out of place", n, e)
	}
	if l, e := s.LastRecord(); l > e || e > end {
		t.Fatalf("%s: last record %s-%s out of place", n, l, e)
	}
}
