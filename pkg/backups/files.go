package backups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/gobarman/barman/pkg/catalog"
)

// Targets of list-files.
const (
	TargetData       = "data"       // the files of base/<ID>
	TargetStandalone = "standalone" // data + the segments begin_wal..end_wal
	TargetWAL        = "wal"        // WALsUntilNext, with .history files
	TargetFull       = "full"       // data + wal
)

// Files returns the absolute paths list-files prints for target. Data
// files come from walking base/<ID> as Python's os.walk does (top-down,
// each directory's files sorted before its subdirectories; symbolic links
// to directories neither listed nor followed); subdirectories are visited
// in name order, so tablespace directories (named by OID) come before
// data/. WAL paths come from entries (xlog.db) and are not checked on disk.
func (c *Catalogue) Files(b *catalog.BackupInfo, target string, entries []catalog.WALEntry) ([]string, error) {
	var out []string
	if target == TargetData || target == TargetStandalone || target == TargetFull {
		files, err := walkFiles(c.Layout.BackupPath(b.ID))
		if err != nil {
			return nil, err
		}
		out = files
	}
	switch {
	case target == TargetStandalone && b.BeginWAL() != "":
		names, err := RequiredSegments(b)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			out = append(out, c.Layout.WALPath(n))
		}
	case target == TargetWAL || target == TargetFull:
		wals, err := c.WALsUntilNext(b, entries, true)
		if err != nil {
			return nil, err
		}
		for _, e := range wals {
			out = append(out, c.Layout.WALPath(e.Name))
		}
	case target != TargetData && target != TargetStandalone:
		return nil, fmt.Errorf("unknown list-files target %q (want data, standalone, wal or full)", target)
	}
	return out, nil
}

// walkFiles lists the files under dir like os.walk; a missing dir has none.
func walkFiles(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var files, dirs []string
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		switch {
		case e.IsDir():
			dirs = append(dirs, p)
		case e.Type()&fs.ModeSymlink != 0 && isDir(p):
			// a link to a directory: os.walk neither lists nor follows it
		default:
			files = append(files, p)
		}
	}
	slices.Sort(files)
	for _, d := range dirs { // ReadDir sorts by name
		sub, err := walkFiles(d)
		if err != nil {
			return nil, err
		}
		files = append(files, sub...)
	}
	return files, nil
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}
