package backuptar

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gobarman/barman/pkg/compress"
)

// Ext returns the file name extension of an archive compressed with algo
// (gzip, lz4, zstd; none or "" for a plain tar).
func Ext(algo string) (string, error) {
	switch algo {
	case compress.Gzip:
		return ".tar.gz", nil
	case compress.LZ4:
		return ".tar.lz4", nil
	case compress.Zstd:
		return ".tar.zst", nil
	case compress.None, "":
		return ".tar", nil
	}
	return "", fmt.Errorf("backup compression %q is not supported (accepted: gzip, lz4, zstd, none)", algo)
}

// Name returns the archive's file name for a root: base.tar.zst for
// PGDATA (oid 0), 16385.tar.zst for tablespace 16385.
func Name(oid uint32, algo string) (string, error) {
	ext, err := Ext(algo)
	if err != nil {
		return "", err
	}
	if oid == 0 {
		return "base" + ext, nil
	}
	return strconv.FormatUint(uint64(oid), 10) + ext, nil
}

// Archive is one archive of a backup.
type Archive struct {
	Root string // "data" for PGDATA, the tablespace OID otherwise: the manifest paths' first element
	Path string // the archive file
	Algo string // compress algorithm name (compress.None for .tar)
}

var archiveName = regexp.MustCompile(`^(base|[1-9][0-9]*)\.tar(\.gz|\.lz4|\.zst)?$`)

var algoOfExt = map[string]string{"": compress.None, ".gz": compress.Gzip, ".lz4": compress.LZ4, ".zst": compress.Zstd}

// Find returns the archives in backupDir/data, PGDATA's first, or none
// when the backup is a plain copy (no base.tar*).
func Find(backupDir string) ([]Archive, error) {
	entries, err := os.ReadDir(filepath.Join(backupDir, "data"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Archive
	base := false
	for _, e := range entries {
		m := archiveName.FindStringSubmatch(e.Name())
		if m == nil || !e.Type().IsRegular() {
			continue
		}
		a := Archive{Root: m[1], Path: filepath.Join(backupDir, "data", e.Name()), Algo: algoOfExt[m[2]]}
		if a.Root == "base" {
			a.Root, base = "data", true
		}
		out = append(out, a)
	}
	if !base {
		// A file named like a tablespace archive in a plain copy's data/
		// is PostgreSQL's business, not an archive.
		return nil, nil
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Root == "data" && out[j].Root != "data" })
	return out, nil
}

// Entry is one member of an archive, named as in the backup's manifest.
type Entry struct {
	Path   string // Root + "/" + the member's cleaned name
	Header *tar.Header
}

// Walk reads the archive and calls fn for every member but the root
// directory itself, with a reader of its content (regular files). fn
// must not keep r. A damaged archive is an error naming it.
func Walk(ctx context.Context, a Archive, fn func(e Entry, r io.Reader) error) error {
	f, err := os.Open(a.Path)
	if err != nil {
		return fmt.Errorf("open the backup archive: %w", err)
	}
	defer f.Close()
	zr, err := compress.NewReader(f, a.Algo)
	if err != nil {
		return fmt.Errorf("read the backup archive %s: %w", a.Path, err)
	}
	defer zr.Close()
	tr := tar.NewReader(zr)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("backup archive %s is damaged: %w", a.Path, err)
		}
		name := path.Clean(strings.TrimPrefix(h.Name, "./"))
		if name == "." {
			continue
		}
		if name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return fmt.Errorf("backup archive %s: member %q leaves its root", a.Path, h.Name)
		}
		if err := fn(Entry{Path: a.Root + "/" + name, Header: h}, tr); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fmt.Errorf("backup archive %s is damaged: %s: %w", a.Path, name, err)
			}
			return err
		}
	}
}
