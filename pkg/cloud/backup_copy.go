package cloud

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
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

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
		excluded := func(rel string) bool { return basebackup.ExcludedInTablespace(rel, vdir) }
		sets := b.newSets(root, t.Location, excluded)
		b.opt.Log.Infof("Uploading '%s' directory '%s' as '%s'", t.Name, t.Location, path.Base(b.layout.ArchiveName(b.id, root, 0, b.opt.Compression)))
		it := itemStats{root: t.Name, start: time.Now()}
		if err := lanes(b.ctx, t.Location, excluded, sets); err != nil {
			abortAll(sets)
			return nil, err
		}
		if err := closeAll(sets); err != nil {
			return nil, err
		}
		it.end = time.Now()
		b.items = append(b.items, it)
	}
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
	sets := b.newSets("data", pgdata, excluded)
	set := sets[0]
	b.opt.Log.Infof("Uploading 'pgdata' directory '%s' as '%s'", pgdata, path.Base(b.layout.ArchiveName(b.id, "data", 0, b.opt.Compression)))
	b.items = append(b.items, itemStats{root: "pgdata", start: time.Now()})
	err := lanes(b.ctx, pgdata, excluded, sets)
	if err == nil {
		// The lanes but the first end here; pg_control, read once every
		// other file was, goes in the first's archive.
		err = closeAll(sets[1:])
	}
	f := newFeeder(set)
	if err == nil {
		b.opt.Log.Infof("Uploading 'pg_control' file from '%s' to '%s' with path 'global/pg_control'", filepath.Join(pgdata, "global/pg_control"), path.Base(set.layout.ArchiveName(b.id, "data", 0, set.algo)))
		err = f.file(filepath.Join(pgdata, "global", "pg_control"), "global/pg_control", false)
	}
	if err == nil {
		err = b.configFiles(f, pgdata)
	}
	if err != nil {
		abortAll(sets)
		return nil, err
	}
	return set, nil
}

// newSets returns the archive sets that write a root: two lanes, each
// with half the upload jobs, when the root's files are larger than
// MaxArchiveSize (it will be split, so bzip2 and the uploads of the
// archives run in parallel), one otherwise.
func (b *backupRun) newSets(root, dir string, excluded func(string) bool) []*archiveSet {
	first := b.newSet(root)
	if b.opt.LaneStore == nil || treeSize(dir, excluded) <= b.opt.MaxArchiveSize {
		return []*archiveSet{first}
	}
	first.st = b.opt.LaneStore
	second := b.newSet(root)
	second.st, second.seq = b.opt.LaneStore, first.seq
	b.opt.Log.Infof("'%s' is larger than the maximum archive size: two archives are written at once", dir)
	return []*archiveSet{first, second}
}

func closeAll(sets []*archiveSet) error {
	for i, s := range sets {
		if err := s.close(); err != nil {
			abortAll(sets[i+1:])
			return err
		}
	}
	return nil
}

func abortAll(sets []*archiveSet) {
	for _, s := range sets {
		s.abort()
	}
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

// entry is one path to add to an archive.
type entry struct {
	p, rel string
	kind   byte // 'd' directory, 'l' symlink, 'f' regular file
}

// walk calls visit for root and what is under it, but the excluded paths
// (relative, "/"-separated; an excluded directory is left out with its
// content). Files and directories that vanish meanwhile are skipped:
// PostgreSQL drops them during a backup, and WAL replay recreates them.
func walk(root string, excluded func(rel string) bool, visit func(entry) error) error {
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
		switch {
		case d.IsDir():
			return visit(entry{p, rel, 'd'})
		case d.Type()&fs.ModeSymlink != 0:
			return visit(entry{p, rel, 'l'})
		case d.Type().IsRegular():
			return visit(entry{p, rel, 'f'})
		}
		return nil // sockets, fifos, devices: not part of a backup
	})
}

// treeSize is the size of the files walk would add (metadata only).
func treeSize(root string, excluded func(rel string) bool) int64 {
	var n int64
	walk(root, excluded, func(e entry) error {
		if e.kind == 'f' {
			if fi, err := os.Lstat(e.p); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// add adds one entry.
func (f *feeder) add(e entry) error {
	switch e.kind {
	case 'd':
		return f.dir(e.p, e.rel)
	case 'l':
		return f.symlink(e.p, e.rel)
	}
	return f.file(e.p, e.rel, false)
}

// tree adds root and what is under it (see walk) to f's archives.
func (f *feeder) tree(root string, excluded func(rel string) bool) error {
	return walk(root, excluded, f.add)
}

// lanes adds root and what is under it to several archive sets of one
// root at once: each compresses and uploads its own archives
// (data_0001.tar, data_0002.tar, ...), the files shared out as they are
// walked, each read once.
func lanes(ctx context.Context, root string, excluded func(rel string) bool, sets []*archiveSet) error {
	if len(sets) == 1 {
		return newFeeder(sets[0]).tree(root, excluded)
	}
	jobs := make(chan entry, 64)
	g, gctx := errgroup.WithContext(ctx)
	for _, set := range sets {
		f := newFeeder(set)
		g.Go(func() error {
			for e := range jobs {
				if err := f.add(e); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(jobs)
		return walk(root, excluded, func(e entry) error {
			select {
			case jobs <- e:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	})
	return g.Wait()
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
	// Each read checks the context, so that an interrupt (SIGTERM) stops
	// the backup within one buffer, not at the end of a 1 GiB file.
	n, err := io.CopyBuffer(tw, io.LimitReader(ctxReader{f.set.ctx, fd}, h.Size), f.buf)
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
// ctxReader is a reader that fails once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

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
