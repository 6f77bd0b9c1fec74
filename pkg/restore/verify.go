package restore

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/stream"
)

// Verify re-reads every regular file of the backup in backupDir (from its
// own file or its archive) and compares its size and checksum with its
// record. bad is called for each file that differs, with the record's
// path and what is wrong; it returns the number of files checked. An
// error is returned only when the check could not go on (an unreadable
// or damaged archive).
func Verify(ctx context.Context, backupDir string, recs []*stream.BackupFile, bad func(path, problem string)) (int, error) {
	var files []*stream.BackupFile
	for _, r := range recs {
		if r.Kind == stream.FileRegular {
			files = append(files, r)
		}
	}
	src, err := findSources(backupDir, files)
	if err != nil {
		return 0, err
	}
	checked := 0
	for _, r := range src.plain {
		checked++
		if msg := verifyContent(filepath.Join(backupDir, filepath.FromSlash(r.Path)), r); msg != "" {
			bad(r.Path, msg)
		}
	}
	for _, a := range src.archives {
		err := src.walk(ctx, a, func(r *stream.BackupFile, in io.Reader, _ string) error {
			checked++
			if msg := checkReader(in, r); msg != "" {
				bad(r.Path, msg+" (in "+filepath.Base(a.Path)+")")
			}
			return nil
		})
		if err != nil {
			return checked, err
		}
	}
	return checked, nil
}

func verifyContent(path string, r *stream.BackupFile) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	return checkReader(f, r)
}

func checkReader(in io.Reader, r *stream.BackupFile) string {
	c := newChecker(r.Checksum)
	n, err := io.Copy(c, in)
	if err != nil {
		return err.Error()
	}
	if n != r.Size {
		return fmt.Sprintf("size %d, manifest says %d", n, r.Size)
	}
	if c.check(r.Path) != nil {
		return "checksum mismatch: the file was changed or damaged after the backup"
	}
	return ""
}
