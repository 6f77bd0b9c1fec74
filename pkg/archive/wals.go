package archive

import (
	"context"
	"io"
	"path"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/walname"
)

// Find returns the path of a WAL file (its name in the WAL store when
// that is not on local disk), looking in wals/ first, then incoming/ and
// streaming/ (and NAME.partial there when partial).
func (a *Archive) Find(name string, partial bool) (string, error) {
	l, err := a.locate(context.Background(), name, partial)
	if err != nil {
		return "", err
	}
	return l.path(), nil
}

// OpenStored opens a WAL file as it is stored (compressed or not), found
// as Find finds it.
func (a *Archive) OpenStored(name string, partial bool) (io.ReadCloser, error) {
	ctx := context.Background()
	l, err := a.locate(ctx, name, partial)
	if err != nil {
		return nil, err
	}
	return l.st.Open(ctx, l.name)
}

// Rebuild rewrites xlog.db from the files under wals/ (hash directories
// for segments and labels, the top level for history files), guessing
// each compression from its magic bytes (see identify). It takes the xlogdb lock and
// returns the counts Barman prints. First it removes the temporary files
// older than StaleTempAge that writers killed mid-write left there.
func (c *Committer) Rebuild() (history, labels, segments int, err error) {
	l := c.a.Layout
	ctx := context.Background()
	if err := c.a.cleanupWALStore(ctx); err != nil {
		return 0, 0, 0, err
	}
	var entries []catalog.WALEntry
	err = l.WALStore().List(ctx, "", storage.ListOptions{}, func(in storage.Info) error {
		base := path.Base(in.Name)
		n := walname.Classify(base)
		if n == walname.Unknown || in.Name != catalog.WALName(base) {
			return nil
		}
		e, err := c.a.entryOf(ctx, in)
		if err != nil {
			return err
		}
		entries = append(entries, e)
		switch n {
		case walname.History:
			history++
		case walname.BackupLabel:
			labels++
		default:
			segments++
		}
		return nil
	})
	if err != nil {
		return 0, 0, 0, err
	}
	sortEntries(entries)
	err = l.WriteXlogDB(entries)
	c.names = map[string]bool{}
	for _, e := range entries {
		c.names[e.Name] = true
	}
	return history, labels, segments, err
}

// StaleTempAge is how old a temporary file of the WAL store must be for
// Rebuild to remove it: far older than any write of one WAL file.
const StaleTempAge = time.Hour

// cleanupWALStore removes the temporary files that writers killed
// mid-write left in a local WAL store (see storage.Local.Cleanup).
func (a *Archive) cleanupWALStore(ctx context.Context) error {
	local, ok := a.Layout.WALStore().(*storage.Local)
	if !ok {
		return nil
	}
	n, err := local.Cleanup(ctx, StaleTempAge)
	if n > 0 {
		a.log().Info("removed temporary files left by interrupted writes", "server", a.Server, "directory", local.Root, "files", n)
	}
	return err
}

// entryOf returns the xlog.db entry of the archived file in.
func (a *Archive) entryOf(ctx context.Context, in storage.Info) (catalog.WALEntry, error) {
	base := path.Base(in.Name)
	algo, err := a.identify(ctx, a.archived(base), true)
	if err != nil {
		return catalog.WALEntry{}, err
	}
	return catalog.WALEntry{Name: base, Size: in.Size, Time: catalog.MtimeSeconds(in.ModTime), Compression: algo}, nil
}
