package archive

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
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

// Open opens an archived WAL file decompressed.
func (a *Archive) Open(name string, partial bool) (io.ReadCloser, error) {
	p, err := a.Find(name, partial)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	rc, _, err := compress.OpenAuto(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return readCloser{rc, f}, nil
}

type readCloser struct {
	io.ReadCloser
	f *os.File
}

func (r readCloser) Close() error {
	err := r.ReadCloser.Close()
	if ferr := r.f.Close(); err == nil {
		err = ferr
	}
	return err
}

// Rebuild rewrites xlog.db from the files under wals/ (hash directories
// for segments and labels, the top level for history files), guessing
// each compression from its magic bytes. It takes the xlogdb lock and
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
		e, err := entryOf(p)
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

func entryOf(p string) (catalog.WALEntry, error) {
	f, err := os.Open(p)
	if err != nil {
		return catalog.WALEntry{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return catalog.WALEntry{}, err
	}
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	return catalog.WALEntry{Name: filepath.Base(p), Size: st.Size(), Time: catalog.MtimeSeconds(st.ModTime()),
		Compression: compress.Detect(head[:n])}, nil
}
