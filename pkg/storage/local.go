package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/fsutil"
)

// Local keeps blobs as files below a root directory, name "a/b" as the
// file Root/a/b; directories are created as needed. A blob is written
// under a hidden temporary name in its directory (fsutil.AtomicFile),
// which List, Open and Stat never show and Cleanup removes when a killed
// writer left it.
type Local struct {
	Root    string
	Perm    os.FileMode // file mode of saved blobs (0600 when zero)
	DirPerm os.FileMode // mode of the directories it creates (0700 when zero)
}

var _ LocalPather = (*Local)(nil)

// LocalPath returns the file of name.
func (l *Local) LocalPath(name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	return filepath.Join(l.Root, filepath.FromSlash(name)), nil
}

func (l *Local) perm() (file, dir os.FileMode) {
	file, dir = l.Perm, l.DirPerm
	if file == 0 {
		file = 0o600
	}
	if dir == 0 {
		dir = 0o700
	}
	return file, dir
}

// Create starts writing name: a temporary file in its directory (created
// with its missing parents, each fsynced), renamed into place by Commit.
func (l *Local) Create(ctx context.Context, name string, opts CreateOptions) (Writer, error) {
	p, err := l.LocalPath(name)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	file, dir := l.perm()
	if err := fsutil.MkdirAllSync(filepath.Dir(p), dir); err != nil {
		return nil, err
	}
	a, err := fsutil.CreateAtomic(p, file)
	if err != nil {
		return nil, err
	}
	return &localWriter{a: a, ctx: ctx, opts: opts}, nil
}

// localWriter is a Writer over an fsutil.AtomicFile.
type localWriter struct {
	a    *fsutil.AtomicFile
	ctx  context.Context
	opts CreateOptions
}

func (w *localWriter) Write(p []byte) (int, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.a.Write(p)
}

// ReadFrom keeps the file's fast path: copy_file_range from a file.
func (w *localWriter) ReadFrom(r io.Reader) (int64, error) {
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	return w.a.ReadFrom(readerCtxFile(w.ctx, r))
}

func (w *localWriter) Commit() error {
	if err := w.ctx.Err(); err != nil {
		w.a.Abort()
		return err
	}
	if !w.opts.IfNotExists {
		return w.a.Commit()
	}
	return w.a.CommitNoReplace() // fs.ErrExist, that is ErrExist
}

func (w *localWriter) Abort() error { return w.a.Abort() }

// readerCtxFile wraps r to stop at ctx, except a file (an *os.File, or
// what io.Copy makes of one: os's fileWithoutWriteTo, which embeds it;
// either under an io.LimitedReader), which is passed as it is so that
// the kernel copies it (copy_file_range). Commit checks ctx all the same.
func readerCtxFile(ctx context.Context, r io.Reader) io.Reader {
	inner := r
	if lr, ok := r.(*io.LimitedReader); ok {
		inner = lr.R
	}
	if _, ok := inner.(interface{ Fd() uintptr }); ok {
		return r
	}
	return readerCtx{ctx, r}
}

// Open opens the file of name.
func (l *Local) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	p, err := l.LocalPath(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		f.Close()
		return nil, notBlob("open", p)
	}
	return f, nil
}

// Stat describes the file of name.
func (l *Local) Stat(ctx context.Context, name string) (Info, error) {
	p, err := l.LocalPath(name)
	if err != nil {
		return Info{}, err
	}
	st, err := os.Stat(p)
	if err != nil {
		return Info{}, err
	}
	if !st.Mode().IsRegular() {
		return Info{}, notBlob("stat", p)
	}
	return Info{Name: name, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// notBlob is the error of opening a directory (or a device) as a blob:
// there is no blob of that name.
func notBlob(op, p string) error {
	return &fs.PathError{Op: op, Path: p, Err: fmt.Errorf("not a regular file: %w", ErrNotExist)}
}

// Remove deletes the file of name and fsyncs its directory.
func (l *Local) Remove(ctx context.Context, name string) error {
	p, err := l.LocalPath(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return fsutil.SyncDir(filepath.Dir(p))
}

// List lists the files below the root whose name starts with prefix,
// skipping hidden files (temporary ones among them). Only the directories
// the prefix can match are read.
func (l *Local) List(ctx context.Context, prefix string, opts ListOptions, fn func(Info) error) error {
	if err := checkDelimiter(opts); err != nil {
		return err
	}
	var infos []Info
	var err error
	if opts.Delimiter != "" {
		infos, err = l.listShallow(prefix)
	} else {
		infos, err = l.listDeep(ctx, prefix)
	}
	if err != nil {
		return err
	}
	return each(infos, fn)
}

// listShallow lists the directory prefix ends in, with the delimiter.
func (l *Local) listShallow(prefix string) ([]Info, error) {
	dir, _ := splitPrefix(prefix)
	full := filepath.Join(l.Root, filepath.FromSlash(dir))
	ents, err := os.ReadDir(full)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var infos []Info
	for _, e := range ents {
		name := dir + e.Name()
		if strings.HasPrefix(e.Name(), ".") || !strings.HasPrefix(name, prefix) {
			continue
		}
		in, ok, err := entryInfo(name, filepath.Join(full, e.Name()), e)
		if err != nil {
			return nil, err
		}
		if ok {
			infos = append(infos, in)
		}
	}
	sortInfos(infos) // "a.b" comes before the prefix "a/"
	return infos, nil
}

// entryInfo describes the directory entry e, the file p of name: a
// directory as a prefix, a regular file as a blob, anything else not. A
// symbolic link is described by what it points to, as Open follows it.
func entryInfo(name, p string, e fs.DirEntry) (Info, bool, error) {
	var st fs.FileInfo
	var err error
	if e.Type()&fs.ModeSymlink != 0 {
		st, err = os.Stat(p)
	} else {
		st, err = e.Info()
	}
	if errors.Is(err, fs.ErrNotExist) { // removed meanwhile, or a dangling link
		return Info{}, false, nil
	}
	if err != nil {
		return Info{}, false, err
	}
	switch {
	case st.IsDir():
		return Info{Name: name + "/", Dir: true}, true, nil
	case st.Mode().IsRegular():
		return Info{Name: name, Size: st.Size(), ModTime: st.ModTime()}, true, nil
	}
	return Info{}, false, nil
}

// splitPrefix splits a prefix after its last "/": "wals/0000" gives
// "wals/" and "0000".
func splitPrefix(prefix string) (dir, rest string) {
	i := strings.LastIndex(prefix, "/")
	return prefix[:i+1], prefix[i+1:]
}

// listDeep walks the directories prefix can match.
func (l *Local) listDeep(ctx context.Context, prefix string) ([]Info, error) {
	dir, _ := splitPrefix(prefix)
	start := filepath.Join(l.Root, filepath.FromSlash(dir))
	var infos []Info
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // the start, or a directory removed meanwhile
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(l.Root, p)
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			if p != start && (strings.HasPrefix(d.Name(), ".") || !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") || !strings.HasPrefix(name, prefix) {
			return nil
		}
		in, ok, err := entryInfo(name, p, d)
		if ok && !in.Dir { // a link to a directory is not walked into
			infos = append(infos, in)
		}
		return err
	})
	sortInfos(infos)
	return infos, err
}

func sortInfos(infos []Info) {
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
}

func each(infos []Info, fn func(Info) error) error {
	for _, in := range infos {
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// Cleanup removes the temporary files that writers killed before Commit
// or Abort left below the root, when older than age (by modification
// time: a live writer's file is younger than any sensible age), and
// returns how many it removed.
func (l *Local) Cleanup(ctx context.Context, age time.Duration) (int, error) {
	cutoff := time.Now().Add(-age)
	n := 0
	err := filepath.WalkDir(l.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || !fsutil.IsTemp(d.Name()) {
			return nil
		}
		st, err := d.Info()
		if err != nil || st.ModTime().After(cutoff) {
			return nil
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove temporary file %q: %w", p, err)
		}
		n++
		return nil
	})
	return n, err
}
