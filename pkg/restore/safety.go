package restore

import (
	"fmt"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/stream"
)

// walDirs are the manifest paths of PostgreSQL's WAL directory (pg_xlog
// before version 10).
var walDirs = map[string]bool{"data/pg_wal": true, "data/pg_xlog": true}

// prepare checks a backup's records before anything is written and returns
// the records to restore. It refuses a path that is not clean and
// relative, that lies outside data/ and the mapped tablespaces, or that
// lies beneath a symbolic link of the backup: writing it would write
// through the link, wherever it points (a backup taken from a hostile or
// damaged server). A pg_wal recorded as a symbolic link (WAL on its own
// disk, initdb -X) is restored as a directory: the link points at the
// source server's WAL, which a recovery must never use or write into.
func prepare(backupDir string, recs []*stream.BackupFile, m Mapping) ([]*stream.BackupFile, error) {
	var links fsutil.Links
	out := make([]*stream.BackupFile, 0, len(recs))
	for _, r := range recs {
		if _, _, err := m.Target(r.Path); err != nil {
			return nil, &UnsafePathError{Backup: backupDir, Path: r.Path, Err: err}
		}
		if r.Kind == stream.FileSymlink && walDirs[r.Path] {
			d := *r
			d.Kind, d.Link, d.Mode = stream.FileDir, "", 0o700
			r = &d
		}
		if r.Kind == stream.FileSymlink {
			links.Add(r.Path, r.Link)
		}
		out = append(out, r)
	}
	for _, r := range out {
		if link, target, ok := links.Under(r.Path); ok {
			return nil, &UnsafePathError{Backup: backupDir, Path: r.Path, Link: link, Target: target}
		}
	}
	return out, nil
}

// UnsafePathError is a backup record that a restore refuses to write: its
// path lies beneath a symbolic link of the backup (Link → Target), or it
// is not a clean relative path of a destination (Err).
type UnsafePathError struct {
	Backup       string // the backup directory
	Path         string // the record's manifest path
	Link, Target string
	Err          error
}

func (e *UnsafePathError) Error() string {
	what := fmt.Sprintf("%s lies beneath %s, a symbolic link to %q", e.Path, e.Link, e.Target)
	if e.Err != nil {
		what = e.Err.Error()
	}
	return fmt.Sprintf("backup %s: %s: restoring it would write outside the destination; nothing was written (the backup is damaged or was taken from a hostile server: restore another backup)", e.Backup, what)
}

func (e *UnsafePathError) Unwrap() error { return e.Err }
