package walreceive

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/walfile"
	"github.com/gobarman/barman/pkg/walname"
	"golang.org/x/sys/unix"
	"unsafe"
)

// segmentFile is the segment being received: NAME.partial in dir.
type segmentFile struct {
	f       *os.File
	name    walname.Name // the segment (Kind Segment)
	dir     string
	size    uint64
	dirty   bool // written since the last sync
	created bool // this run created the file (it held nothing before)
	used    bool // WAL was written into it
}

func (s *segmentFile) partialPath() string {
	return filepath.Join(s.dir, s.name.String()+".partial")
}

// openSegment opens NAME.partial for writing, reusing a full-size one and
// creating it at the full size otherwise. The new file and its name are
// durable before any WAL is written into it.
func openSegment(dir string, name walname.Name, size uint64) (*segmentFile, error) {
	s := &segmentFile{name: name, dir: dir, size: size}
	path := s.partialPath()
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && uint64(fi.Size()) == size {
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		s.f = f
		return s, nil
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := preallocate(f, size); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("allocate %d bytes for %s: %w", size, path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("sync %s: %w", path, err)
	}
	if err := fsutil.SyncDir(dir); err != nil {
		f.Close()
		return nil, err
	}
	s.f, s.created = f, true
	return s, nil
}

// preallocate gives f size bytes of zeros written out, as pg_receivewal
// pads its files: a full disk is found here and never in the middle of a
// segment, and the blocks are allocated and initialised, so that the
// fdatasync of each synchronous batch flushes data only (fallocate's
// unwritten extents would make each one a journal commit as well).
func preallocate(f *os.File, size uint64) error {
	for off := uint64(0); off < size; off += uint64(len(zeroBlock)) {
		if _, err := f.WriteAt(zeroBlock[:min(uint64(len(zeroBlock)), size-off)], int64(off)); err != nil {
			return err
		}
	}
	return nil
}

var zeroBlock = make([]byte, 1<<20)

func (s *segmentFile) writeAt(p []byte, off uint64) error {
	for len(p) > 0 {
		n, err := rawPwrite(int(s.f.Fd()), p, int64(off))
		if err != nil {
			return fmt.Errorf("write %s: %w", s.partialPath(), err)
		}
		p, off = p[n:], off+uint64(n)
	}
	s.dirty, s.used = true, true
	return nil
}

// sync makes what was written durable (the size never changes, so the
// data is enough).
func (s *segmentFile) sync() error {
	if !s.dirty {
		return nil
	}
	if err := rawFdatasync(int(s.f.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", s.partialPath(), err)
	}
	s.dirty = false
	return nil
}

// complete syncs the full segment and renames it to its WAL name.
func (s *segmentFile) complete() error {
	if err := s.sync(); err != nil {
		return err
	}
	if err := s.f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", s.partialPath(), err)
	}
	s.f = nil
	final := filepath.Join(s.dir, s.name.String())
	if err := os.Rename(s.partialPath(), final); err != nil {
		return fmt.Errorf("rename %s to %s: %w", s.partialPath(), final, err)
	}
	return fsutil.SyncDir(s.dir)
}

// close syncs and closes an incomplete segment: it stays NAME.partial,
// unless this run created it and wrote nothing into it.
func (s *segmentFile) close() error {
	if s == nil || s.f == nil {
		return nil
	}
	if s.created && !s.used {
		s.f.Close()
		s.f = nil
		if err := os.Remove(s.partialPath()); err != nil {
			return fmt.Errorf("remove the unused %s: %w", s.partialPath(), err)
		}
		return nil
	}
	err := s.sync()
	if cerr := s.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close %s: %w", s.partialPath(), cerr)
	}
	s.f = nil
	return err
}

// position is where streaming resumes, as found in the directory.
type position struct {
	Found   bool
	Name    walname.Name // the newest segment or partial (Kind Segment)
	Partial bool
	Path    string
}

// findPosition looks for the newest segment (highest number, then highest
// timeline; a complete file wins over a partial of the same segment) in
// dir. Other files are ignored.
func findPosition(dir string) (position, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return position{}, fmt.Errorf("read streaming directory: %w", err)
	}
	var best position
	for _, e := range ents {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		n, err := walname.Parse(e.Name())
		if err != nil || (n.Kind != walname.Segment && n.Kind != walname.Partial) {
			continue
		}
		p := position{Found: true, Name: n.Segment(), Partial: n.Kind == walname.Partial, Path: filepath.Join(dir, e.Name())}
		if !best.Found || newer(p, best) {
			best = p
		}
	}
	return best, nil
}

func newer(a, b position) bool {
	ka := [3]uint64{uint64(a.Name.Log), uint64(a.Name.Seg), uint64(a.Name.Timeline)}
	kb := [3]uint64{uint64(b.Name.Log), uint64(b.Name.Seg), uint64(b.Name.Timeline)}
	if ka != kb {
		for i := range ka {
			if ka[i] != kb[i] {
				return ka[i] > kb[i]
			}
		}
	}
	return b.Partial && !a.Partial
}

// systemOf reads the system identifier in the first page header of a
// segment file; ok is false for an empty or zero-filled start (a partial
// that has received nothing yet).
func systemOf(path string) (id uint64, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	b := make([]byte, walfile.HeaderSize)
	if _, err := io.ReadFull(f, b); err != nil {
		return 0, false, nil
	}
	h, err := walfile.ParseHeader(b)
	if err != nil || h.Magic == 0 {
		return 0, false, nil
	}
	return h.SystemID, true, nil
}

// rawPwrite and rawFdatasync make the system calls of the receiving loop
// without telling the Go scheduler. A blocking call it knows of (an
// fdatasync per synchronous commit) makes its monitor thread hand the
// processor to another thread and keep polling every 20 µs, which cost
// more CPU than the receiver's own work; this loop is the process's only
// busy goroutine, so there is nothing to hand over.
func rawPwrite(fd int, p []byte, off int64) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, e := unix.RawSyscall6(unix.SYS_PWRITE64, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(off), 0, 0)
	if e != 0 {
		return int(n), e
	}
	return int(n), nil
}

func rawFdatasync(fd int) error {
	if _, _, e := unix.RawSyscall(unix.SYS_FDATASYNC, uintptr(fd), 0, 0); e != 0 {
		return e
	}
	return nil
}
