package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/stream"
)

// LockTimeout is how long a writer of xlog.db waits for the xlogdb lock.
const LockTimeout = 60 * time.Second

// Committer catalogues placed WAL files in xlog.db. It holds the xlogdb
// lock from Open to Close.
type Committer struct {
	a     *Archive
	lk    *lock.Lock
	names map[string]bool
}

// OpenCommitter takes the xlogdb lock and reads the names catalogued.
func (a *Archive) OpenCommitter(ctx context.Context) (*Committer, error) {
	lk, err := lock.Acquire(ctx, lock.File(a.LockDir, a.Server, "xlogdb"), "xlogdb", LockTimeout)
	if err != nil {
		return nil, err
	}
	names, err := a.Catalogued()
	if err != nil {
		lk.Unlock()
		return nil, err
	}
	return &Committer{a: a, lk: lk, names: names}, nil
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

// Close releases the lock.
func (c *Committer) Close() error { return c.lk.Unlock() }

// Commit catalogues rec.Dest under rec.Name unless already there, then
// removes the source. The xlog.db line is fsynced before the source goes.
func (c *Committer) Commit(rec *stream.WALFile) error {
	if rec.Dest == "" {
		return fmt.Errorf("record for %s has no dest: it was not placed (run barman-wal-compress --records before commit)", rec.Name)
	}
	if rec.Dest != c.a.Layout.WALPath(rec.Name) {
		return fmt.Errorf("record for %s places it at %s, not in this server's archive (%s)", rec.Name, rec.Dest, c.a.Layout.WALPath(rec.Name))
	}
	st, err := os.Stat(rec.Dest)
	if err != nil {
		return fmt.Errorf("%s was not placed: %w", rec.Name, err)
	}
	if !rec.MTime.IsZero() {
		os.Chtimes(rec.Dest, rec.MTime, rec.MTime)
	} else {
		rec.MTime = st.ModTime()
	}
	if !c.names[rec.Name] {
		e := catalog.WALEntry{Name: rec.Name, Size: st.Size(), Time: catalog.MtimeSeconds(rec.MTime), Compression: rec.Compression}
		if err := c.a.Layout.AppendXlogDB(e); err != nil {
			return err
		}
		c.names[rec.Name] = true
	}
	if rec.Path != "" && filepath.Clean(rec.Path) != filepath.Clean(rec.Dest) {
		if err := removeSynced(rec.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove %s after archiving it: %w", rec.Path, err)
		}
	}
	rec.Size, rec.Status = st.Size(), stream.StatusArchived
	return nil
}
