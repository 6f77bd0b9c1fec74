package backups

import (
	"iter"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/walname"
)

// WALIndex is a WAL archive's xlog.db entries sorted by name, from which
// successive backup deletions take the files they remove. Each Take costs
// the files it removes plus the protected files before its bound, not the
// whole archive: enforcing a retention policy that drops hundreds of
// backups reads xlog.db once.
type WALIndex struct {
	entries []catalog.WALEntry
	order   []int32 // indexes into entries, by name
	gone    []bool  // by index into entries
	bad     []bool
	start   int // order[:start] are gone or bad
	nGone   int
}

// NewWALIndex indexes entries (xlog.db lines, in any order).
func NewWALIndex(entries []catalog.WALEntry) *WALIndex {
	w := &WALIndex{entries: entries, order: make([]int32, len(entries)),
		gone: make([]bool, len(entries)), bad: make([]bool, len(entries))}
	sorted := true
	for i, e := range entries {
		w.order[i] = int32(i)
		if _, err := walname.Parse(e.Name); err != nil {
			w.bad[i] = true
		}
		sorted = sorted && (i == 0 || entries[i-1].Name <= e.Name)
	}
	if !sorted {
		slices.SortStableFunc(w.order, func(a, b int32) int { return strings.Compare(entries[a].Name, entries[b].Name) })
	}
	w.advance()
	return w
}

// Bad returns the names that are not WAL file names, in xlog.db order:
// they are never removed (Barman 3.4 drops their lines).
func (w *WALIndex) Bad() []string {
	var out []string
	for i, b := range w.bad {
		if b {
			out = append(out, w.entries[i].Name)
		}
	}
	return out
}

// Take removes from the index the files p removes and returns them in
// xlog.db order.
func (w *WALIndex) Take(p WALRemoval) []catalog.WALEntry {
	if !p.Remove {
		return nil
	}
	bound := ""
	if p.Until != nil {
		bound = p.Until.BeginWAL()
	}
	var idx []int32
	for _, i := range w.order[w.start:] {
		e := w.entries[i]
		if bound != "" && e.Name >= bound {
			break
		}
		if w.gone[i] || w.bad[i] {
			continue
		}
		if n, _ := walname.Parse(e.Name); !p.keeps(e.Name, n) {
			w.gone[i] = true
			idx = append(idx, i)
		}
	}
	w.nGone += len(idx)
	w.advance()
	slices.Sort(idx)
	out := make([]catalog.WALEntry, len(idx))
	for k, i := range idx {
		out[k] = w.entries[i]
	}
	return out
}

func (w *WALIndex) advance() {
	for w.start < len(w.order) && (w.gone[w.order[w.start]] || w.bad[w.order[w.start]]) {
		w.start++
	}
}

// Put gives back a file Take removed (a hook script kept it).
func (w *WALIndex) Put(name string) {
	for k, i := range w.order {
		if w.entries[i].Name == name && w.gone[i] {
			w.gone[i] = false
			w.nGone--
			w.start = min(w.start, k)
		}
	}
}

// Remaining yields the entries that were not removed, in xlog.db order.
func (w *WALIndex) Remaining() iter.Seq[catalog.WALEntry] {
	return func(yield func(catalog.WALEntry) bool) {
		for i, e := range w.entries {
			if !w.gone[i] && !yield(e) {
				return
			}
		}
	}
}

// Simulation is a server's catalogue and WAL archive in memory, from
// which backups are removed as barman removes them: the dry run, the
// retention policy's enforcement and delete take their steps from it.
type Simulation struct {
	cat        *Catalogue
	WAL        *WALIndex
	concurrent bool
}

// NewSimulation starts from catalogue c and xlog.db entries; concurrent
// says whether the server takes concurrent backups (see PlanWALRemoval).
func NewSimulation(c *Catalogue, entries []catalog.WALEntry, concurrent bool) *Simulation {
	cp := *c
	cp.Backups = slices.Clone(c.Backups)
	return &Simulation{cat: &cp, WAL: NewWALIndex(entries), concurrent: concurrent}
}

// Catalogue is the simulated catalogue: the backups not removed yet.
func (s *Simulation) Catalogue() *Catalogue { return s.cat }

// Remove takes backup b out of the catalogue and returns the WAL files
// that go with it, in xlog.db order, and whether WAL files before the
// next backup go at all (see PlanWALRemoval; retention is true when the
// retention policy removes it).
func (s *Simulation) Remove(b *catalog.BackupInfo, retention bool) (wals []catalog.WALEntry, purge bool, err error) {
	p, err := s.cat.PlanWALRemoval(b, s.concurrent, retention)
	if err != nil {
		return nil, false, err
	}
	removed := s.WAL.Take(p)
	s.cat.Backups = slices.DeleteFunc(s.cat.Backups, func(x *catalog.BackupInfo) bool { return x.ID == b.ID })
	return removed, p.Remove, nil
}
