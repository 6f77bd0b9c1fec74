package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"time"

	"github.com/gobarman/barman/pkg/backuptar"

	"github.com/gobarman/barman/pkg/stream"
)

// ManifestName is the manifest barman-basebackup keeps in base/<ID>/.
const ManifestName = "manifest.jsonl"

// ReadRecords reads backup_file records from r (other record types are
// skipped; a bad line is an error naming it).
func ReadRecords(r io.Reader, name string) ([]*stream.BackupFile, error) {
	sr := stream.NewReader(r, name)
	var out []*stream.BackupFile
	for {
		rec, err := sr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if f, ok := rec.(*stream.BackupFile); ok {
			out = append(out, f)
		}
	}
}

// Records returns the files of the backup in backupDir (base/<ID>): its
// manifest when there is one (verified: true), else a walk of data/ and
// of the tablespace directories (verified: false, no checksums: a backup
// taken by Barman).
func Records(backupDir string, tablespaces map[uint32]string) (recs []*stream.BackupFile, verified bool, err error) {
	f, err := os.Open(filepath.Join(backupDir, ManifestName))
	if err == nil {
		defer f.Close()
		recs, err = ReadRecords(f, f.Name())
		return recs, true, err
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if archives, err := backuptar.Find(backupDir); err != nil || len(archives) > 0 {
		if err != nil {
			return nil, false, err
		}
		recs, err := archiveRecords(backupDir, archives)
		return recs, false, err
	}
	roots := []string{"data"}
	var oids []uint32
	for oid := range tablespaces {
		oids = append(oids, oid)
	}
	sort.Slice(oids, func(i, j int) bool { return oids[i] < oids[j] })
	for _, oid := range oids {
		roots = append(roots, strconv.FormatUint(uint64(oid), 10))
	}
	for _, root := range roots {
		r, err := walk(backupDir, root)
		if err != nil {
			return nil, false, err
		}
		recs = append(recs, r...)
	}
	return recs, false, nil
}

// archiveRecords lists the members of a compressed backup's archives
// (one pass through each) and the plain files next to them in data/
// (backup_manifest): the records of a compressed backup taken by Barman.
func archiveRecords(backupDir string, archives []backuptar.Archive) ([]*stream.BackupFile, error) {
	out := []*stream.BackupFile{{Path: "data", Kind: stream.FileDir, Mode: 0o700}}
	isArchive := map[string]bool{}
	for _, a := range archives {
		isArchive[a.Path] = true
		if a.Root != "data" {
			out = append(out, &stream.BackupFile{Path: a.Root, Kind: stream.FileDir, Mode: 0o700})
		}
		err := backuptar.Walk(context.Background(), a, func(e backuptar.Entry, _ io.Reader) error {
			h := e.Header
			rec, err := record(e.Path, h.FileInfo().Mode(), h.Size, h.ModTime, func() (string, error) { return h.Linkname, nil })
			if err != nil || rec == nil {
				return err
			}
			out = append(out, rec)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	entries, err := os.ReadDir(filepath.Join(backupDir, "data"))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		p := filepath.Join(backupDir, "data", e.Name())
		if isArchive[p] || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		rec, _ := record("data/"+e.Name(), info.Mode(), info.Size(), info.ModTime(), nil) // regular: no link to read
		out = append(out, rec)
	}
	return out, nil
}

// record describes a directory, symbolic link (its target from link) or
// regular file of a backup; other types get nil.
func record(p string, mode fs.FileMode, size int64, mtime time.Time, link func() (string, error)) (*stream.BackupFile, error) {
	rec := &stream.BackupFile{Path: p, MTime: mtime, Mode: stream.ModeOf(mode)}
	switch {
	case mode.IsDir():
		rec.Kind = stream.FileDir
	case mode&fs.ModeSymlink != 0:
		rec.Kind = stream.FileSymlink
		var err error
		if rec.Link, err = link(); err != nil {
			return nil, err
		}
	case mode.IsRegular():
		rec.Kind, rec.Size = stream.FileRegular, size
	default:
		return nil, nil
	}
	return rec, nil
}

// walk lists backupDir/root as records, the root itself first.
func walk(backupDir, root string) ([]*stream.BackupFile, error) {
	var out []*stream.BackupFile
	err := filepath.WalkDir(filepath.Join(backupDir, root), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(backupDir, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rec, err := record(path.Clean(filepath.ToSlash(rel)), info.Mode(), info.Size(), info.ModTime(), func() (string, error) { return os.Readlink(p) })
		if err != nil || rec == nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the files of the backup: %w", err)
	}
	return out, nil
}
