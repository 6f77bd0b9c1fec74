package cloud

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// extractor writes tar members inside one directory. Every path goes
// through an os.Root: a name with "..", an absolute name, or a path
// through a symlink that leads out of the directory (a member that is a
// symlink to "/etc", then a file "link/passwd") is refused by the
// kernel-checked lookups, never written outside. Several archives may be
// extracted into one directory at once: directory modes and times are
// applied by finish, once every file is in place (as tar does).
type extractor struct {
	root    *os.Root
	dir     string
	owner   bool // running as root: restore the owners, as Python's tarfile does
	created bool // the restore created dir

	mu   sync.Mutex
	dirs []dirMeta
	ids  sync.Map // "u:name" / "g:name" -> id
}

type dirMeta struct {
	rel      string
	mode     fs.FileMode
	mtime    time.Time
	uid, gid int
}

func newExtractor(root *os.Root, dir string) *extractor {
	return &extractor{root: root, dir: dir, owner: os.Geteuid() == 0}
}

// memberName cleans a member's name relative to the target; "." is the
// target itself. Absolute names and names leading out are refused.
func memberName(name string) (string, error) {
	if name == "" || strings.HasPrefix(name, "/") || strings.ContainsRune(name, 0) {
		return "", fmt.Errorf("member %q: an absolute or empty name", name)
	}
	clean := path.Clean(name)
	if clean == ".." || strings.HasPrefix(clean, "../") {
		return "", fmt.Errorf("member %q: leads out of the destination", name)
	}
	return clean, nil
}

// extract writes the members of the tar stream r (the archive object).
func (e *extractor) extract(ctx context.Context, r io.Reader, object string) error {
	tr := tar.NewReader(r)
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", object, err)
		}
		rel, err := memberName(h.Name)
		if err != nil {
			return fmt.Errorf("%s: %w", object, err)
		}
		if err := e.member(h, rel, tr, buf); err != nil {
			return fmt.Errorf("%s: extract %s into %s: %w", object, h.Name, e.dir, err)
		}
	}
}

func (e *extractor) member(h *tar.Header, rel string, r io.Reader, buf []byte) error {
	switch h.Typeflag {
	case tar.TypeDir:
		if rel != "." {
			if err := e.root.MkdirAll(rel, 0o700); err != nil {
				return err
			}
		}
		uid, gid := e.ids2(h)
		e.mu.Lock()
		e.dirs = append(e.dirs, dirMeta{rel: rel, mode: fs.FileMode(h.Mode) & fs.ModePerm, mtime: h.ModTime, uid: uid, gid: gid})
		e.mu.Unlock()
		return nil
	case tar.TypeReg, tar.TypeRegA:
		if rel == "." {
			return errors.New("a file cannot replace the destination")
		}
		if err := e.parent(rel); err != nil {
			return err
		}
		return e.file(h, rel, r, buf)
	case tar.TypeSymlink:
		if err := e.parent(rel); err != nil {
			return err
		}
		if err := e.root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		// The link is created as it is: lookups through it stay confined.
		if err := e.root.Symlink(h.Linkname, rel); err != nil {
			return err
		}
		if e.owner {
			uid, gid := e.ids2(h)
			_ = e.root.Lchown(rel, uid, gid)
		}
		return nil
	case tar.TypeLink:
		target, err := memberName(h.Linkname)
		if err != nil {
			return err
		}
		if err := e.parent(rel); err != nil {
			return err
		}
		if err := e.root.Remove(rel); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return e.root.Link(target, rel)
	}
	return nil // devices, fifos: not part of a backup
}

func (e *extractor) parent(rel string) error {
	if d := path.Dir(rel); d != "." {
		return e.root.MkdirAll(d, 0o700)
	}
	return nil
}

func (e *extractor) file(h *tar.Header, rel string, r io.Reader, buf []byte) error {
	f, err := e.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.CopyBuffer(f, readerOnly{r}, buf); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(fs.FileMode(h.Mode) & fs.ModePerm); err != nil {
		f.Close()
		return err
	}
	if e.owner {
		uid, gid := e.ids2(h)
		if err := f.Chown(uid, gid); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	return e.root.Chtimes(rel, h.ModTime, h.ModTime)
}

// ids2 is the owner of a member: its user and group names when this
// host has them, else its numeric ids (Python's tarfile's rule).
func (e *extractor) ids2(h *tar.Header) (int, int) {
	return e.id("u:", h.Uname, h.Uid), e.id("g:", h.Gname, h.Gid)
}

func (e *extractor) id(kind, name string, def int) int {
	if name == "" {
		return def
	}
	if v, ok := e.ids.Load(kind + name); ok {
		return v.(int)
	}
	id := def
	if kind == "u:" {
		if u, err := user.Lookup(name); err == nil {
			if n, err := strconv.Atoi(u.Uid); err == nil {
				id = n
			}
		}
	} else if g, err := user.LookupGroup(name); err == nil {
		if n, err := strconv.Atoi(g.Gid); err == nil {
			id = n
		}
	}
	e.ids.Store(kind+name, id)
	return id
}

func (e *extractor) hasRoot() bool {
	for _, d := range e.dirs {
		if d.rel == "." {
			return true
		}
	}
	return false
}

// finish applies the directories' modes, owners and times, deepest first.
func (e *extractor) finish() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	sort.Slice(e.dirs, func(i, j int) bool { return strings.Count(e.dirs[i].rel, "/") > strings.Count(e.dirs[j].rel, "/") })
	if e.created && !e.hasRoot() {
		// A tablespace's archive (Barman's) may have no "." member: the
		// directory made for it takes the owner of its top directory,
		// PG_<major>_<catversion>, so PostgreSQL can enter it.
		for _, d := range e.dirs {
			if !strings.Contains(d.rel, "/") {
				top := d
				top.rel, top.mode = ".", 0o700
				e.dirs = append(e.dirs, top)
				break
			}
		}
	}
	for _, d := range e.dirs {
		if d.rel == "." && d.mode&0o700 != 0o700 {
			d.mode |= 0o700
		}
		if err := e.root.Chmod(d.rel, d.mode); err != nil {
			return fmt.Errorf("%s: %w", e.dir, err)
		}
		if e.owner {
			if err := e.root.Chown(d.rel, d.uid, d.gid); err != nil {
				return fmt.Errorf("%s: %w", e.dir, err)
			}
		}
		if err := e.root.Chtimes(d.rel, d.mtime, d.mtime); err != nil {
			return fmt.Errorf("%s: %w", e.dir, err)
		}
	}
	return nil
}
