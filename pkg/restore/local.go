package restore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/backuptar"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/stream"
)

// Local restores the backup in backupDir to local directories.
func Local(ctx context.Context, backupDir string, recs []*stream.BackupFile, m Mapping, o Options) (Stats, error) {
	recs, err := prepare(backupDir, recs, m)
	if err != nil {
		return Stats{}, err
	}
	l := &local{backupDir: backupDir, m: m, o: o, cnt: &counter{report: o.Progress}, keep: map[string]bool{}}
	l.cnt.total.Store(totalBytes(recs))
	if o.Jobs < 1 {
		l.o.Jobs = 1
	}
	if err := l.roots(); err != nil {
		return l.st, err
	}
	defer l.close()
	var files []*stream.BackupFile
	var dirs []*stream.BackupFile
	for _, r := range recs {
		t, _, err := m.Target(r.Path)
		if err != nil {
			return l.st, err
		}
		l.keep[t] = true
		switch r.Kind {
		case stream.FileDir:
			dirs = append(dirs, r)
		case stream.FileRegular:
			files = append(files, r)
		}
	}
	// Directories first (parents before children), then links and files.
	sort.SliceStable(dirs, func(i, j int) bool { return len(dirs[i].Path) < len(dirs[j].Path) })
	for _, r := range dirs {
		if err := l.mkdir(r); err != nil {
			return l.st, err
		}
	}
	for _, r := range recs {
		if r.Kind == stream.FileSymlink {
			if err := l.symlink(r); err != nil {
				return l.st, err
			}
		}
	}
	if err := l.files(ctx, files); err != nil {
		return l.st, err
	}
	if o.Delta {
		if err := l.prune(); err != nil {
			return l.st, err
		}
	}
	for _, r := range dirs {
		d := l.at(r.Path)
		if err := d.root.Chmod(d.rel, r.Mode.FileMode().Perm()|0o700); err != nil {
			return l.st, fmt.Errorf("restore %s: %w", r.Path, err)
		}
	}
	if err := fsutil.SyncTrees(l.rootDirs()...); err != nil {
		return l.st, fmt.Errorf("make the restored files durable: %w", err)
	}
	return l.st, nil
}

type local struct {
	backupDir string
	m         Mapping
	o         Options
	cnt       *counter
	keep      map[string]bool // destination paths the backup has
	mu        sync.Mutex      // guards st and o.Done
	st        Stats
	// dirs are the destination and the tablespace locations, by OID (0:
	// the destination), opened as roots: every path is created and opened
	// beneath its root, never through a link out of it.
	dirs map[uint32]*os.Root
}

// dest is where a record goes: rel beneath root, abs for messages.
type dest struct {
	root *os.Root
	rel  string
	abs  string
}

// at returns where the record at manifest path p goes (p was checked by
// prepare).
func (l *local) at(p string) dest {
	abs, oid, _ := l.m.Target(p)
	_, rest, _ := strings.Cut(p, "/")
	if rest == "" {
		rest = "."
	}
	return dest{root: l.dirs[oid], rel: filepath.FromSlash(rest), abs: abs}
}

func (l *local) close() {
	for _, r := range l.dirs {
		r.Close()
	}
}

func (l *local) rootDirs() []string {
	roots := []string{l.m.Dest}
	for _, loc := range l.m.Tablespaces {
		roots = append(roots, loc)
	}
	return roots
}

// roots creates the destination and the tablespace locations, 0700 like
// PostgreSQL wants them.
func (l *local) roots() error {
	l.dirs = map[uint32]*os.Root{}
	oids := map[string]uint32{l.m.Dest: 0}
	for oid, loc := range l.m.Tablespaces {
		oids[loc] = oid
	}
	for _, r := range l.rootDirs() {
		if err := os.MkdirAll(r, 0o700); err != nil {
			return fmt.Errorf("create the destination directory: %w", err)
		}
		root, err := os.OpenRoot(r)
		if err != nil {
			return fmt.Errorf("open the destination directory: %w", err)
		}
		l.dirs[oids[r]] = root
		l.keep[r] = true
	}
	return nil
}

func (l *local) done(r *stream.BackupFile, f func(*Stats)) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(&l.st)
	if l.o.Done != nil {
		return l.o.Done(r)
	}
	return nil
}

func (l *local) mkdir(r *stream.BackupFile) error {
	d := l.at(r.Path)
	if fi, err := d.root.Lstat(d.rel); err == nil && !fi.IsDir() {
		if !l.o.Delta {
			return fmt.Errorf("restore %s: %s exists and is not a directory", r.Path, d.abs)
		}
		if err := d.root.RemoveAll(d.rel); err != nil {
			return err
		}
	}
	if err := d.root.MkdirAll(d.rel, 0o700); err != nil {
		return fmt.Errorf("restore %s: %w", r.Path, err)
	}
	return l.done(r, func(s *Stats) { s.Dirs++ })
}

func (l *local) symlink(r *stream.BackupFile) error {
	d := l.at(r.Path)
	target := r.Link
	if loc, ok := l.m.tablespaceLink(r); ok {
		target = loc
	}
	if old, err := d.root.Readlink(d.rel); err == nil && old == target {
		return l.done(r, func(s *Stats) { s.Links++ })
	}
	if err := d.root.RemoveAll(d.rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := d.root.MkdirAll(filepath.Dir(d.rel), 0o700); err != nil {
		return err
	}
	if err := d.root.Symlink(target, d.rel); err != nil {
		return fmt.Errorf("restore %s: %w", r.Path, err)
	}
	return l.done(r, func(s *Stats) { s.Links++ })
}

func (l *local) files(ctx context.Context, files []*stream.BackupFile) error {
	src, err := findSources(l.backupDir, files)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	ch := make(chan *stream.BackupFile)
	archives := make(chan backuptar.Archive, len(src.archives))
	for _, a := range src.archives {
		archives <- a
	}
	close(archives)
	for range l.o.Jobs {
		g.Go(func() error {
			// Two halves: a large file is hashed beside the writes.
			buf := fsutil.AlignedBuffer(2 * fsutil.CopyBufSize)
			// Whole archives first (each read by one worker from start to
			// end), then single files.
			for a := range archives {
				err := src.walk(ctx, a, func(r *stream.BackupFile, in io.Reader, name string) error {
					if done, err := l.shortcut(r, buf); done || err != nil {
						return err
					}
					return l.copyFrom(ctx, r, in, name, buf)
				})
				if err != nil {
					return err
				}
			}
			for r := range ch {
				if err := l.file(ctx, r, buf); err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(ch)
		for _, r := range src.plain {
			select {
			case ch <- r:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	return g.Wait()
}

// shortcut restores the records that need no content from the backup:
// replaced (tablespace_map) or, in a delta restore, already right.
func (l *local) shortcut(r *stream.BackupFile, buf []byte) (done bool, err error) {
	t := l.at(r.Path)
	if content, ok := l.o.Replace[r.Path]; ok {
		if err := writeFile(t, r, bytes.NewReader(content), io.Discard, buf); err != nil {
			return true, err
		}
		l.cnt.add(r.Size)
		return true, l.done(r, func(s *Stats) { s.Files++; s.Bytes += int64(len(content)) })
	}
	if l.o.Delta && sameContent(t, r, buf) {
		l.cnt.add(r.Size)
		return true, l.done(r, func(s *Stats) { s.Files++; s.Reused++ })
	}
	return false, nil
}

// file restores a file of a plain backup.
func (l *local) file(ctx context.Context, r *stream.BackupFile, buf []byte) error {
	if done, err := l.shortcut(r, buf); done || err != nil {
		return err
	}
	src := filepath.Join(l.backupDir, filepath.FromSlash(r.Path))
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("read the backup: %w", err)
	}
	defer in.Close()
	return l.copyFrom(ctx, r, in, src, buf)
}

// copyFrom writes the record's file from in (named name in errors) and
// checks its checksum.
func (l *local) copyFrom(ctx context.Context, r *stream.BackupFile, in io.Reader, name string, buf []byte) error {
	t := l.at(r.Path)
	c := newChecker(r.Checksum)
	if err := writeFile(t, r, &progressReader{r: l.o.throttleFor(r.Path).Reader(ctx, in), cnt: l.cnt}, c, buf); err != nil {
		return err
	}
	if err := c.check(name); err != nil {
		return err
	}
	return l.done(r, func(s *Stats) {
		s.Files++
		s.Bytes += r.Size
		if !c.verified() {
			s.Unverified++
		}
	})
}

// writeFile writes r to d with the record's mode and mtime, and checks
// its size. A link in d's place (delta restore) is replaced, not
// followed.
func writeFile(d dest, rec *stream.BackupFile, r io.Reader, also io.Writer, buf []byte) error {
	perm := rec.Mode.FileMode().Perm() | 0o600
	if fi, err := d.root.Lstat(d.rel); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if err := d.root.Remove(d.rel); err != nil {
			return fmt.Errorf("restore %s: %w", rec.Path, err)
		}
	}
	out, direct, err := fsutil.OpenDirectIn(d.root, d.rel, perm)
	if errors.Is(err, fs.ErrNotExist) {
		if err = d.root.MkdirAll(filepath.Dir(d.rel), 0o700); err == nil {
			out, direct, err = fsutil.OpenDirectIn(d.root, d.rel, perm)
		}
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", rec.Path, err)
	}
	var n int64
	if c, ok := also.(*checker); ok && c.verified() && rec.Size > int64(len(buf)/2) {
		// The checksum runs beside the writes (a third of the CPU time).
		half := len(buf) / 2
		n, err = fsutil.CopyDirectOverlapped(out, direct, r, also, [2][]byte{buf[:half], buf[half:]})
	} else {
		n, err = fsutil.CopyDirect(out, direct, r, also, buf)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore %s to %s: %w", rec.Path, d.abs, err)
	}
	if _, checked := also.(*checker); checked && n != rec.Size {
		return fmt.Errorf("backup file %s has %d bytes, the manifest says %d: the backup is damaged", rec.Path, n, rec.Size)
	}
	if !rec.MTime.IsZero() {
		d.root.Chtimes(d.rel, rec.MTime, rec.MTime)
	}
	return d.root.Chmod(d.rel, rec.Mode.FileMode().Perm())
}

// sameContent reports whether the destination file already has the
// record's content (delta restore).
func sameContent(d dest, rec *stream.BackupFile, buf []byte) bool {
	fi, err := d.root.Lstat(d.rel)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != rec.Size || rec.Checksum == "" {
		return false
	}
	f, err := d.root.OpenFile(d.rel, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	c := newChecker(rec.Checksum)
	if !c.verified() {
		return false
	}
	if _, err := io.CopyBuffer(c, f, buf); err != nil {
		return false
	}
	if c.check(d.abs) != nil {
		return false
	}
	f.Chmod(rec.Mode.FileMode().Perm())
	return true
}

// prune removes what the destination has and the backup does not.
func (l *local) prune() error {
	for _, root := range l.rootDirs() {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if l.keep[p] {
				return nil
			}
			if err := os.RemoveAll(p); err != nil {
				return err
			}
			l.st.Removed++
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("delta restore: remove what the backup does not have: %w", err)
		}
	}
	return nil
}

type progressReader struct {
	r   io.Reader
	cnt *counter
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.cnt.add(int64(n))
	return n, err
}
