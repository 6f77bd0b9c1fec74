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

	"github.com/gobarman/barman/pkg/fsutil"
)

// Local keeps blobs as files below a root directory.
type Local struct {
	Root string
	Perm os.FileMode // file mode of saved blobs (0600 when zero)
}

func (l *Local) path(name string) (string, error) {
	if err := ValidName(name); err != nil {
		return "", err
	}
	return filepath.Join(l.Root, filepath.FromSlash(name)), nil
}

// Save writes name through fsutil's atomic, durable write.
func (l *Local) Save(ctx context.Context, name string, r io.Reader) error {
	p, err := l.path(name)
	if err != nil {
		return err
	}
	if err := fsutil.MkdirAllSync(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	perm := l.Perm
	if perm == 0 {
		perm = 0o600
	}
	return fsutil.WriteAtomic(p, perm, func(w io.Writer) error {
		_, err := io.Copy(w, readerCtx{ctx, r})
		return err
	})
}

// Open opens the file of name.
func (l *Local) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	p, err := l.path(name)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", p, ErrNotExist)
	}
	return f, err
}

// Stat describes the file of name.
func (l *Local) Stat(ctx context.Context, name string) (Info, error) {
	p, err := l.path(name)
	if err != nil {
		return Info{}, err
	}
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, fmt.Errorf("%s: %w", p, ErrNotExist)
	}
	if err != nil {
		return Info{}, err
	}
	return Info{Name: name, Size: st.Size(), ModTime: st.ModTime()}, nil
}

// Remove deletes the file of name and fsyncs its directory.
func (l *Local) Remove(ctx context.Context, name string) error {
	p, err := l.path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return fsutil.SyncDir(filepath.Dir(p))
}

// List walks the root for files whose name starts with prefix.
func (l *Local) List(ctx context.Context, prefix string, fn func(Info) error) error {
	var infos []Info
	err := filepath.WalkDir(l.Root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == l.Root {
				return filepath.SkipDir
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(l.Root, p)
		name := filepath.ToSlash(rel)
		if d.IsDir() {
			if name != "." && !strings.HasPrefix(name+"/", prefix) && !strings.HasPrefix(prefix, name+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(name, prefix) || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		st, err := d.Info()
		if err != nil {
			return err
		}
		infos = append(infos, Info{Name: name, Size: st.Size(), ModTime: st.ModTime()})
		return nil
	})
	if err != nil {
		return err
	}
	sort.Slice(infos, func(i, j int) bool { return infos[i].Name < infos[j].Name })
	for _, in := range infos {
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// readerCtx stops a copy when its context is cancelled.
type readerCtx struct {
	ctx context.Context
	r   io.Reader
}

func (r readerCtx) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(p)
}
