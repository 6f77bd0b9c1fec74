package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gobarman/barman/pkg/backuptar"
	"github.com/gobarman/barman/pkg/stream"
)

// sources says where the content of each regular file of a backup is:
// in its own file under the backup directory (a plain copy), or in one of
// the backup's tar archives (backup_compression). A file of a compressed
// backup that also exists as a plain file (data/backup_manifest) is read
// from there.
type sources struct {
	archives []backuptar.Archive
	plain    []*stream.BackupFile            // read from backupDir/<path>
	byRoot   map[string][]*stream.BackupFile // to find in the root's archive
}

func findSources(backupDir string, files []*stream.BackupFile) (*sources, error) {
	archives, err := backuptar.Find(backupDir)
	if err != nil {
		return nil, fmt.Errorf("look for the backup's archives: %w", err)
	}
	s := &sources{archives: archives}
	if len(archives) == 0 {
		s.plain = files
		return s, nil
	}
	roots := map[string]bool{}
	for _, a := range archives {
		roots[a.Root] = true
	}
	s.byRoot = map[string][]*stream.BackupFile{}
	for _, r := range files {
		root, _, _ := strings.Cut(r.Path, "/")
		if _, err := os.Lstat(filepath.Join(backupDir, filepath.FromSlash(r.Path))); err == nil || !roots[root] {
			s.plain = append(s.plain, r)
			continue
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		s.byRoot[root] = append(s.byRoot[root], r)
	}
	return s, nil
}

// walk reads archive a and calls fn with the record and content of every
// regular file it holds. A member the manifest does not list, and a
// listed file the archive lacks, are errors naming them.
func (s *sources) walk(ctx context.Context, a backuptar.Archive, fn func(r *stream.BackupFile, in io.Reader, name string) error) error {
	want := map[string]*stream.BackupFile{}
	for _, r := range s.byRoot[a.Root] {
		want[r.Path] = r
	}
	err := backuptar.Walk(ctx, a, func(e backuptar.Entry, in io.Reader) error {
		if !e.Header.FileInfo().Mode().IsRegular() {
			return nil // directories and links come from the manifest
		}
		r, ok := want[e.Path]
		if !ok {
			return fmt.Errorf("backup archive %s holds %s, which the backup's manifest does not list: the backup is damaged", a.Path, e.Path)
		}
		delete(want, e.Path)
		return fn(r, in, a.Path+": "+e.Path)
	})
	if err != nil {
		return err
	}
	for p := range want {
		return fmt.Errorf("backup file %s is missing from the backup archive %s: the backup is damaged", p, a.Path)
	}
	return nil
}
