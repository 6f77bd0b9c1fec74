package archive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/walname"
)

// The archived WAL files (wals/) are blobs of the layout's WALStore,
// named catalog.WALName: checked there by ingest and commit, read back
// there by Open and Reader, listed there by Rebuild. The spool
// directories incoming/ and streaming/, which PostgreSQL's archiver and
// pg_receivewal fill on this host, are local directories; they are read
// through a storage.Local too, so that one code path opens a WAL file
// wherever it was found.

// loc is where a WAL file was found: the blob name of st.
type loc struct {
	st       storage.Storage
	name     string
	archived bool // in WALStore; else in a spool directory
}

// path names the blob in messages: its file, for a local store.
func (l loc) path() string {
	if lp, ok := l.st.(storage.LocalPather); ok {
		if p, err := lp.LocalPath(l.name); err == nil {
			return p
		}
	}
	return l.name
}

// archived returns the location of name in WALStore.
func (a *Archive) archived(name string) loc {
	return loc{st: a.Layout.WALStore(), name: catalog.WALName(name), archived: true}
}

// spooled returns the location of the local file p of a spool directory.
func spooled(p string) loc {
	return loc{st: &storage.Local{Root: filepath.Dir(p)}, name: filepath.Base(p)}
}

// locate finds the WAL file name: in wals/ first, then incoming/ and
// streaming/ (and NAME.partial there when partial).
func (a *Archive) locate(ctx context.Context, name string, partial bool) (loc, error) {
	if walname.Classify(name) == walname.Unknown {
		return loc{}, fmt.Errorf("%q is not a WAL file name", name)
	}
	candidates := []loc{a.archived(name),
		spooled(filepath.Join(a.Layout.IncomingDir(), name)), spooled(filepath.Join(a.Layout.StreamingDir(), name))}
	if partial {
		candidates = append(candidates, spooled(filepath.Join(a.Layout.StreamingDir(), name+".partial")))
	}
	for _, c := range candidates {
		if _, err := c.st.Stat(ctx, c.name); err == nil {
			return c, nil
		}
	}
	return loc{}, fmt.Errorf("WAL file %s not found in server %s: %w", name, a.Server, os.ErrNotExist)
}
