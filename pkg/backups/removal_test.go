package backups

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/walname"
)

// Successive Takes remove exactly what scanning every remaining line with
// the plan's rule removes, whatever the order of xlog.db, with bad names,
// history and .backup files, protected timelines and ranges.
func TestWALIndexTakeMatchesFullScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	for round := range 300 {
		var entries []catalog.WALEntry
		for n := 1; n <= 40; n++ {
			tli := 1 + rng.IntN(3)
			name := fmt.Sprintf("%08X%08X%08X", tli, 0, n)
			entries = append(entries, wal(name, 1, float64(n)))
			if rng.IntN(8) == 0 {
				entries = append(entries, wal(name+".00000028.backup", 1, float64(n)))
			}
			if rng.IntN(15) == 0 {
				entries = append(entries, wal(fmt.Sprintf("%08X.history", tli), 1, float64(n)))
			}
			if rng.IntN(30) == 0 {
				entries = append(entries, wal(fmt.Sprintf("junk%d", n), 1, float64(n)))
			}
		}
		if rng.IntN(2) == 0 {
			rng.Shuffle(len(entries), func(i, j int) { entries[i], entries[j] = entries[j], entries[i] })
		}
		w := NewWALIndex(entries)
		left := slices.Clone(entries)
		for step := range 5 {
			p := randomRemoval(t, rng)
			got := names(w.Take(p))
			var want []string
			var kept []catalog.WALEntry
			for _, e := range left {
				n, err := walname.Parse(e.Name)
				if err == nil && p.Remove && !p.keeps(e.Name, n) {
					want = append(want, e.Name)
				} else {
					kept = append(kept, e)
				}
			}
			left = kept
			if !slices.Equal(got, nonNil(want)) {
				t.Fatalf("round %d step %d, plan %+v (until %s):\ntake %v\nscan %v", round, step, p, beginOf(p), got, want)
			}
			if r := names(slices.Collect(w.Remaining())); !slices.Equal(r, names(left)) {
				t.Fatalf("round %d step %d: remaining %v, want %v", round, step, r, names(left))
			}
		}
	}
}

func beginOf(p WALRemoval) string {
	if p.Until == nil {
		return "-"
	}
	return p.Until.BeginWAL()
}

func randomRemoval(t *testing.T, rng *rand.Rand) WALRemoval {
	p := WALRemoval{Remove: rng.IntN(6) != 0}
	if rng.IntN(5) != 0 {
		seg := fmt.Sprintf("%08X%08X%08X", 1+rng.IntN(3), 0, 1+rng.IntN(40))
		p.Until = mk(t, "20260101T000000", catalog.StatusDone, "begin_wal", seg)
	}
	if rng.IntN(3) == 0 {
		p.ProtectTimelines = []uint32{uint32(1 + rng.IntN(3))}
	}
	if rng.IntN(3) == 0 {
		a := 1 + rng.IntN(40)
		p.ProtectRanges = [][2]string{{fmt.Sprintf("%08X%08X%08X", 1, 0, a), fmt.Sprintf("%08X%08X%08X", 1, 0, a+rng.IntN(5))}}
	}
	return p
}

// A file a hook script keeps goes back into the index.
func TestWALIndexPut(t *testing.T) {
	w := NewWALIndex(archive34)
	taken := w.Take(WALRemoval{Remove: true})
	w.Put(taken[0].Name)
	if r := slices.Collect(w.Remaining()); len(r) != len(archive34)-len(taken)+1 || r[0].Name != taken[0].Name {
		t.Errorf("remaining %v", names(r))
	}
	if again := w.Take(WALRemoval{Remove: true}); len(again) != 1 || again[0].Name != taken[0].Name {
		t.Errorf("taken again: %v", names(again))
	}
}

// On xlog.db in name order, WALsUntilNext starts at a binary-searched
// position; the result is what the full scan gives.
func TestWALsUntilNextSortedShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 2))
	for round := range 200 {
		var entries []catalog.WALEntry
		for n := 1; n <= 30; n++ {
			name := fmt.Sprintf("%08X%08X%08X", 1+rng.IntN(2), 0, n)
			entries = append(entries, wal(name, int64(n), float64(n)))
			if rng.IntN(6) == 0 {
				entries = append(entries, wal(name+".00000028.backup", 1, float64(n)))
			}
			if rng.IntN(10) == 0 {
				entries = append(entries, wal(fmt.Sprintf("%08X.history", 1+rng.IntN(3)), 1, float64(n)))
			}
		}
		slices.SortFunc(entries, func(a, b catalog.WALEntry) int { return strings.Compare(a.Name, b.Name) })
		entries = slices.CompactFunc(entries, func(a, b catalog.WALEntry) bool { return a.Name == b.Name })
		var list []*catalog.BackupInfo
		for i, n := 0, 1+rng.IntN(5); i < 4; i, n = i+1, n+1+rng.IntN(6) {
			seg := fmt.Sprintf("%08X%08X%08X", 1+rng.IntN(2), 0, n)
			list = append(list, done(t, fmt.Sprintf("2026010%dT000000", i+1), seg, seg))
		}
		c := newCat(t, list...)
		for _, b := range list {
			for _, hist := range []bool{false, true} {
				fast, err1 := c.WALsUntilNext(b, entries, hist)
				c.sorted.first, c.sorted.n, c.sorted.ok = &entries[0], len(entries), false // force the full scan
				slow, err2 := c.WALsUntilNext(b, entries, hist)
				c.sorted.n = 0
				if !slices.Equal(names(fast), names(slow)) || (err1 == nil) != (err2 == nil) {
					t.Fatalf("round %d backup %s history %v:\nshortcut %v (%v)\nfull     %v (%v)", round, b.BeginWAL(), hist, names(fast), err1, names(slow), err2)
				}
			}
		}
	}
}
