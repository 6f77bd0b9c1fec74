package cloud

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gobarman/barman/pkg/basebackup"
)

// copyData uploads the tablespaces, each as its own archives, then PGDATA
// with global/pg_control last and the configuration files kept outside
// PGDATA. The data archive in progress is returned open: backup_label,
// known after pg_backup_stop, goes in it.
func (b *backupRun) copyData() (*archiveSet, error) {
	m := b.sess.Meta
	pgdata := m.PGData
	if real, err := filepath.EvalSymlinks(pgdata); err == nil {
		pgdata = real // a symlinked PGDATA is followed, not stored
	}
	var skip []string // PGDATA-relative trees left out of data
	vdir := m.VersionDir()
	for _, t := range m.Tablespaces {
		if rel, ok := strings.CutPrefix(t.Location, m.PGData+"/"); ok {
			skip = append(skip, rel)
		}
		root := strconv.FormatUint(uint64(t.OID), 10)
		skip = append(skip, "pg_tblspc/"+root)
		set := b.newSet(root)
		b.opt.Log.Infof("Uploading '%s' directory '%s' as '%s'", t.Name, t.Location, path.Base(set.layout.ArchiveName(b.id, root, 0, set.algo)))
		it := itemStats{root: t.Name, start: time.Now()}
		excluded := func(rel string) bool { return basebackup.ExcludedInTablespace(rel, vdir) }
		if err := newFeeder(set).tree(t.Location, excluded); err != nil {
			set.abort()
			return nil, err
		}
		if err := set.close(); err != nil {
			return nil, err
		}
		it.end = time.Now()
		b.items = append(b.items, it)
	}
	set := b.newSet("data")
	b.opt.Log.Infof("Uploading 'pgdata' directory '%s' as '%s'", pgdata, path.Base(set.layout.ArchiveName(b.id, "data", 0, set.algo)))
	b.items = append(b.items, itemStats{root: "pgdata", start: time.Now()})
	excluded := func(rel string) bool {
		if basebackup.Excluded(rel) {
			return true
		}
		for _, s := range skip {
			if rel == s || strings.HasPrefix(rel, s+"/") {
				return true
			}
		}
		return false
	}
	f := newFeeder(set)
	err := f.tree(pgdata, excluded)
	if err == nil {
		b.opt.Log.Infof("Uploading 'pg_control' file from '%s' to '%s' with path 'global/pg_control'", filepath.Join(pgdata, "global/pg_control"), path.Base(set.layout.ArchiveName(b.id, "data", 0, set.algo)))
		err = f.file(filepath.Join(pgdata, "global", "pg_control"), "global/pg_control", false)
	}
	if err == nil {
		err = b.configFiles(f, pgdata)
	}
	if err != nil {
		set.abort()
		return nil, err
	}
	return set, nil
}

// configFiles adds the configuration files kept outside PGDATA under
// their base names, as Barman does (a missing ident file is no error).
func (b *backupRun) configFiles(f *feeder, pgdata string) error {
	m := b.sess.Meta
	for _, c := range []struct {
		label, file string
		optional    bool
	}{{"config_file", m.ConfigFile, false}, {"hba_file", m.HBAFile, false}, {"ident_file", m.IdentFile, true}} {
		if c.file == "" || strings.HasPrefix(c.file, pgdata+"/") || strings.HasPrefix(c.file, m.PGData+"/") {
			continue
		}
		b.opt.Log.Infof("Uploading '%s' file from '%s' with path '%s'", c.label, c.file, filepath.Base(c.file))
		if err := f.file(c.file, filepath.Base(c.file), !c.optional); err != nil {
			return err
		}
	}
	return nil
}

// feeder adds files to the archives of a root.
type feeder struct {
	set *archiveSet
	buf []byte
}

func newFeeder(set *archiveSet) *feeder { return &feeder{set: set, buf: make([]byte, 256<<10)} }

// tree adds the directory root and what is under it, but the excluded
// paths (relative, "/"-separated; an excluded directory is left out with
// its content). Files and directories that vanish meanwhile are skipped:
// PostgreSQL drops them during a backup, and WAL replay recreates them.
func (f *feeder) tree(root string, excluded func(rel string) bool) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return fmt.Errorf("read %s: %w", p, err)
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != "." && excluded(rel) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return f.dir(p, rel)
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return f.symlink(p, rel)
		}
		if d.Type().IsRegular() {
			return f.file(p, rel, false)
		}
		return nil // sockets, fifos, devices: not part of a backup
	})
}

func (f *feeder) dir(p, rel string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return vanished(p, err)
	}
	h, err := tar.FileInfoHeader(fi, "")
	if err != nil {
		return err
	}
	h.Name = rel + "/"
	return f.header(h)
}

// symlink stores a link to a file; a link to a directory is not stored
// (Barman's walk does not follow nor store them: barman-cloud-restore
// recreates pg_wal when it is missing).
func (f *feeder) symlink(p, rel string) error {
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return nil
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return vanished(p, err)
	}
	target, err := os.Readlink(p)
	if err != nil {
		return vanished(p, err)
	}
	h, err := tar.FileInfoHeader(fi, target)
	if err != nil {
		return err
	}
	h.Name = rel
	return f.header(h)
}

// file adds a regular file with the size it has when opened: bytes past
// it are left out, a file that shrinks meanwhile is padded with zeros
// (WAL replay rewrites the pages that changed). A file that vanished is
// skipped unless required.
func (f *feeder) file(p, rel string, required bool) error {
	fd, err := os.Open(p)
	if err != nil {
		if !required {
			return vanished(p, err)
		}
		return err
	}
	defer fd.Close()
	fi, err := fd.Stat()
	if err != nil {
		return err
	}
	h, err := tar.FileInfoHeader(fi, "")
	if err != nil {
		return err
	}
	h.Name = rel
	tw, err := f.set.tar()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("write %s: %w", f.set.cur.name, err)
	}
	n, err := io.CopyBuffer(tw, io.LimitReader(readerOnly{fd}, h.Size), f.buf)
	if err != nil {
		return fmt.Errorf("copy %s to %s: %w", p, f.set.cur.name, err)
	}
	if n < h.Size {
		if err := zeros(tw, h.Size-n, f.buf); err != nil {
			return fmt.Errorf("write %s: %w", f.set.cur.name, err)
		}
	}
	return nil
}

// addBytes adds a generated file (backup_label) owned as dir is.
func (f *feeder) addBytes(rel string, data []byte, mtime time.Time, ownerOf string) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: rel, Size: int64(len(data)), Mode: 0o600, ModTime: mtime}
	if st, err := os.Stat(ownerOf); err == nil {
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			h.Uid, h.Gid = int(sys.Uid), int(sys.Gid)
		}
	}
	tw, err := f.set.tar()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("write %s: %w", f.set.cur.name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", f.set.cur.name, err)
	}
	return nil
}

func (f *feeder) header(h *tar.Header) error {
	tw, err := f.set.tar()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("write %s: %w", f.set.cur.name, err)
	}
	return nil
}

// readerOnly hides os.File's WriterTo/ReaderFrom so CopyBuffer uses buf.
type readerOnly struct{ io.Reader }

func zeros(w io.Writer, n int64, buf []byte) error {
	clear(buf)
	for n > 0 {
		k := min(n, int64(len(buf)))
		if _, err := w.Write(buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// vanished is nil for a file that no longer exists.
func vanished(p string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return fmt.Errorf("read %s: %w", p, err)
}
