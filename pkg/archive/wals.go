package archive

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/walname"
)

// Find returns the path of an archived WAL file, looking in wals/ first,
// then incoming/ and streaming/ (and NAME.partial there when partial).
func (a *Archive) Find(name string, partial bool) (string, error) {
	if walname.Classify(name) == walname.Unknown {
		return "", fmt.Errorf("%q is not a WAL file name", name)
	}
	candidates := []string{a.Layout.WALPath(name), filepath.Join(a.Layout.IncomingDir(), name), filepath.Join(a.Layout.StreamingDir(), name)}
	if partial {
		candidates = append(candidates, filepath.Join(a.Layout.StreamingDir(), name+".partial"))
	}
	for _, p := range candidates {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("WAL file %s not found in server %s: %w", name, a.Server, os.ErrNotExist)
}

// Rebuild rewrites xlog.db from the files under wals/ (hash directories
// for segments and labels, the top level for history files), guessing
// each compression from its magic bytes (see identify). It takes the xlogdb lock and
// returns the counts Barman prints.
func (c *Committer) Rebuild() (history, labels, segments int, err error) {
	l := c.a.Layout
	var entries []catalog.WALEntry
	err = filepath.WalkDir(l.WALsDir(), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n := walname.Classify(d.Name())
		if n == walname.Unknown || p != l.WALPath(d.Name()) {
			return nil
		}
		e, err := c.a.entryOf(p)
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

// entryOf returns the xlog.db entry of the archived file p.
func (a *Archive) entryOf(p string) (catalog.WALEntry, error) {
	st, err := os.Stat(p)
	if err != nil {
		return catalog.WALEntry{}, err
	}
	algo, err := a.identify(p, true)
	if err != nil {
		return catalog.WALEntry{}, err
	}
	return catalog.WALEntry{Name: filepath.Base(p), Size: st.Size(), Time: catalog.MtimeSeconds(st.ModTime()), Compression: algo}, nil
}
