package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/stream"
)

// LockTimeout is how long a writer of xlog.db waits for the xlogdb lock.
const LockTimeout = 60 * time.Second

// Committer catalogues placed WAL files in xlog.db. It holds the xlogdb
// lock from Open to Close.
type Committer struct {
	a  *Archive
	lk *lock.Lock
	// names caches what xlog.db says of the names met so far: true when
	// catalogued, false when not. Under the lock nobody else changes it.
	names map[string]bool
}

// OpenCommitter takes the xlogdb lock.
func (a *Archive) OpenCommitter(ctx context.Context) (*Committer, error) {
	lk, err := lock.Acquire(ctx, lock.File(a.LockDir, a.Server, "xlogdb"), "xlogdb", LockTimeout)
	if err != nil {
		return nil, err
	}
	return &Committer{a: a, lk: lk, names: map[string]bool{}}, nil
}

// Catalogued returns the set of names in xlog.db.
func (a *Archive) Catalogued() (map[string]bool, error) {
	entries, err := a.Layout.ReadXlogDB()
	if err != nil {
		return nil, err
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		names[e.Name] = true
	}
	return names, nil
}

// CataloguedAmong reports which of names xlog.db lists. It reads xlog.db
// without keeping it: a catalogue of a million lines costs 50 ms, not
// the second and the hundreds of MiB that Catalogued costs.
func (a *Archive) CataloguedAmong(names []string) (map[string]bool, error) {
	if len(names) == 0 {
		return map[string]bool{}, nil
	}
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	return catalog.XlogDBHas(a.Layout.XlogDBPath(), want)
}

// lookup learns from xlog.db whether the names of recs not met yet are
// catalogued.
func (c *Committer) lookup(recs []*stream.WALFile) error {
	var unknown []string
	for _, r := range recs {
		if _, ok := c.names[r.Name]; !ok {
			unknown = append(unknown, r.Name)
		}
	}
	found, err := c.a.CataloguedAmong(unknown)
	if err != nil {
		return err
	}
	for _, n := range unknown {
		c.names[n] = found[n]
	}
	return nil
}

// Close releases the lock.
func (c *Committer) Close() error { return c.lk.Unlock() }

// Commit catalogues one placed file; see CommitBatch.
func (c *Committer) Commit(rec *stream.WALFile) error {
	return c.CommitBatch([]*stream.WALFile{rec})[0]
}

// CommitBatch catalogues placed files in xlog.db, in WAL name order (Barman
// reads xlog.db in file order and stops at the first name past what it
// looks for), each name once, with one fsync; then it removes the sources.
// errs[i] is the error of recs[i].
func (c *Committer) CommitBatch(recs []*stream.WALFile) []error {
	errs := make([]error, len(recs))
	if err := c.lookup(recs); err != nil {
		for i := range errs {
			errs[i] = err
		}
		return errs
	}
	order := make([]int, len(recs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return recs[order[a]].Name < recs[order[b]].Name })
	var entries []catalog.WALEntry
	var placed []int
	for _, i := range order {
		e, err := c.entry(recs[i])
		if err != nil {
			errs[i] = err
			continue
		}
		placed = append(placed, i)
		if !c.names[recs[i].Name] {
			entries = append(entries, e)
			c.names[recs[i].Name] = true
		}
	}
	if len(entries) > 0 {
		if err := c.a.Layout.AppendXlogDB(entries...); err != nil {
			for _, i := range placed {
				errs[i] = err
				delete(c.names, recs[i].Name)
			}
			return errs
		}
	}
	for _, i := range placed {
		errs[i] = c.finish(recs[i])
	}
	return errs
}

// entry checks that rec was placed and returns its xlog.db line.
func (c *Committer) entry(rec *stream.WALFile) (catalog.WALEntry, error) {
	if rec.Dest == "" {
		return catalog.WALEntry{}, fmt.Errorf("record for %s has no dest: it was not placed (run barman-wal-compress --records before commit)", rec.Name)
	}
	if rec.Dest != c.a.Layout.WALPath(rec.Name) {
		return catalog.WALEntry{}, fmt.Errorf("record for %s places it at %s, not in this server's archive (%s)", rec.Name, rec.Dest, c.a.Layout.WALPath(rec.Name))
	}
	dest := c.a.archived(rec.Name)
	st, err := dest.st.Stat(context.Background(), dest.name)
	if err != nil {
		return catalog.WALEntry{}, fmt.Errorf("%s was not placed: %w", rec.Name, err)
	}
	if rec.MTime.IsZero() {
		rec.MTime = st.ModTime
	} else {
		setMtime(dest, rec.MTime)
	}
	rec.Size = st.Size
	return catalog.WALEntry{Name: rec.Name, Size: st.Size, Time: catalog.MtimeSeconds(rec.MTime), Compression: rec.Compression}, nil
}

// setMtime gives the archived file the source's modification time, as
// Barman's copy does, when it is a local file. Object storage keeps its
// own upload time: xlog.db has the source's.
func setMtime(l loc, t time.Time) {
	if lp, ok := l.st.(storage.LocalPather); ok {
		if p, err := lp.LocalPath(l.name); err == nil {
			os.Chtimes(p, t, t)
		}
	}
}

// finish removes the source of a catalogued file.
func (c *Committer) finish(rec *stream.WALFile) error {
	if rec.Path != "" && filepath.Clean(rec.Path) != filepath.Clean(rec.Dest) {
		if err := removeSynced(rec.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s after archiving it: %w", rec.Path, err)
		}
	}
	rec.Status = stream.StatusArchived
	return nil
}
