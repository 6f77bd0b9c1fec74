package basebackup

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/stream"
)

// Entry describes one file, directory or symlink of the source.
type Entry struct {
	Path          string      // relative to its root (PGDATA or the tablespace), "/"-separated
	TablespaceOID uint32      // 0 for PGDATA
	Tablespace    string      // tablespace name, "" for PGDATA
	Mode          fs.FileMode // permission bits and type
	Size          int64
	MTime         time.Time
	Link          string // symlink target
}

// Sink writes a backup's files under its directory and records each one.
// It is safe for concurrent use by the copy workers.
type Sink struct {
	Dir      string // base/<ID>
	Server   string
	BackupID string
	Records  *stream.Writer // may be nil

	bufs  sync.Pool // File's aligned copy buffers (*[2][]byte)
	links fsutil.Links
	once  sync.Once
	root  *os.Root // Dir: every entry is created beneath it
	rerr  error
	mu    sync.Mutex
	files int64
	bytes int64
	total int64 // bytes to copy, once known
}

// SetTotal records how many bytes the copy will write (for progress).
func (s *Sink) SetTotal(n int64) {
	s.mu.Lock()
	s.total = n
	s.mu.Unlock()
}

// Progress returns the bytes written and the bytes expected (0: unknown).
func (s *Sink) Progress() (done, total int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.total > 0 && s.bytes > s.total {
		// The total is an estimate taken before the copy (PostgreSQL's
		// BASE_BACKUP PROGRESS, or the file list): files that grew since
		// make the copy larger. What is copied is then the total so far.
		return s.bytes, s.bytes
	}
	return s.bytes, s.total
}

// Target returns the local path of an entry: data/<path> for PGDATA,
// <oid>/<path> for a tablespace.
func (s *Sink) Target(e Entry) string {
	return filepath.Join(s.Dir, s.rel(e))
}

func (s *Sink) rel(e Entry) string {
	root := "data"
	if e.TablespaceOID != 0 {
		root = strconv.FormatUint(uint64(e.TablespaceOID), 10)
	}
	return filepath.Join(root, filepath.FromSlash(e.Path))
}

// checkPath refuses paths that would leave the backup directory.
func checkPath(p string) error {
	clean := filepath.Clean(filepath.FromSlash(p))
	if filepath.IsAbs(clean) || clean == ".." || strings.HasPrefix(clean, "../") {
		return fmt.Errorf("path %q leaves the backup directory", p)
	}
	return nil
}

// check refuses an entry whose path leaves the backup directory or lies
// beneath a symbolic link the source sent earlier (the server's tar
// stream, the rsync method's file list): writing it would write through
// the link, outside the backup. The backup's root (Dir) is opened on
// first use; every entry is then created beneath it (os.Root), which
// refuses any path that resolves outside even if this check missed it.
func (s *Sink) check(e Entry) (rel string, err error) {
	if err := checkPath(e.Path); err != nil {
		return "", err
	}
	rel = s.rel(e)
	if link, target, ok := s.links.Under(filepath.ToSlash(rel)); ok {
		return "", fmt.Errorf("the source sent %s beneath %s, a symbolic link to %q: it would be written outside the backup directory %s, so the backup is refused (a damaged or hostile database host: check it before taking a new backup)",
			filepath.ToSlash(rel), link, target, s.Dir)
	}
	s.once.Do(func() {
		if s.rerr = os.MkdirAll(s.Dir, 0o700); s.rerr == nil {
			s.root, s.rerr = os.OpenRoot(s.Dir)
		}
	})
	return rel, s.rerr
}

// Close releases the backup directory's root (the Sink can no longer
// write).
func (s *Sink) Close() error {
	s.once.Do(func() { s.rerr = fmt.Errorf("backup sink %s is closed", s.Dir) })
	if s.root != nil {
		return s.root.Close()
	}
	return nil
}

// Mkdir creates a directory entry.
func (s *Sink) Mkdir(e Entry) error {
	rel, err := s.check(e)
	if err != nil {
		return err
	}
	if err := s.root.MkdirAll(rel, 0o700); err != nil {
		return err
	}
	return s.record(e, stream.FileDir, "")
}

// Symlink records a symbolic link (pg_tblspc/<oid>) and creates it.
func (s *Sink) Symlink(e Entry) error {
	rel, err := s.check(e)
	if err != nil {
		return err
	}
	s.links.Add(filepath.ToSlash(rel), e.Link)
	s.root.MkdirAll(filepath.Dir(rel), 0o700)
	s.root.Remove(rel)
	if err := s.root.Symlink(e.Link, rel); err != nil {
		return err
	}
	return s.record(e, stream.FileSymlink, "")
}

// File writes a regular file from r and records its checksum. The file
// is written with O_DIRECT where the file system allows it (a backup is
// not read back soon: the page cache would only cost a copy and evict
// the host's useful pages) and not fsynced: fsutil.SyncTrees makes the
// whole backup durable at the end, so that receiving never waits for the
// disk. A short read is an error: a stream that ends early is cut, not a
// file that shrank (tar pads a file that shrinks during the copy to the
// size it announced, and PostgreSQL does the same in BASE_BACKUP).
func (s *Sink) File(e Entry, r io.Reader) error {
	rel, err := s.check(e)
	if err != nil {
		return err
	}
	t := s.Target(e)
	if err := s.root.MkdirAll(filepath.Dir(rel), 0o700); err != nil {
		return err
	}
	f, direct, err := fsutil.OpenDirectIn(s.root, rel, e.Mode.Perm()|0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	bp, _ := s.bufs.Get().(*[2][]byte)
	if bp == nil {
		bp = &[2][]byte{fsutil.AlignedBuffer(sinkBlock), fsutil.AlignedBuffer(sinkBlock)}
	}
	var n int64
	if e.Size > sinkBlock {
		// Hashing beside the writes: the checksum is a third of a
		// backup's CPU time.
		n, err = fsutil.CopyDirectOverlapped(f, direct, r, h, *bp)
	} else {
		n, err = fsutil.CopyDirect(f, direct, r, h, bp[0])
	}
	s.bufs.Put(bp)
	if err == nil && n != e.Size {
		err = fmt.Errorf("%s: copied %d bytes, expected %d", e.Path, n, e.Size)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", t, err)
	}
	s.root.Chtimes(rel, e.MTime, e.MTime)
	s.count(n)
	return s.record(e, stream.FileRegular, "sha256:"+hex.EncodeToString(h.Sum(nil)))
}

// sinkBlock is the size of File's copy buffers.
const sinkBlock = 1 << 20

// Hash records a regular file from r without writing it: its content is
// kept in a stored archive (backup_compression).
func (s *Sink) Hash(e Entry, r io.Reader) error {
	if _, err := s.check(e); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err == nil && n != e.Size {
		err = fmt.Errorf("%s: read %d bytes, expected %d", e.Path, n, e.Size)
	}
	if err != nil {
		return err
	}
	s.count(n)
	return s.record(e, stream.FileRegular, "sha256:"+hex.EncodeToString(h.Sum(nil)))
}

// Note records a directory or symlink kept in a stored archive.
func (s *Sink) Note(e Entry, kind string) error {
	rel, err := s.check(e)
	if err != nil {
		return err
	}
	if kind == stream.FileSymlink {
		s.links.Add(filepath.ToSlash(rel), e.Link)
	}
	return s.record(e, kind, "")
}

// Link hard-links an unchanged file from a previous backup
// (reuse_backup = link) and records it with the checksum known there.
func (s *Sink) Link(e Entry, from, checksum string) error {
	rel, err := s.check(e)
	if err != nil {
		return err
	}
	if err := s.root.MkdirAll(filepath.Dir(rel), 0o700); err != nil {
		return err
	}
	s.root.Remove(rel)
	if err := linkIn(s.root, from, rel); err != nil {
		return fmt.Errorf("link %s from the previous backup: %w", e.Path, err)
	}
	s.count(0)
	return s.record(e, stream.FileRegular, checksum)
}

func (s *Sink) count(n int64) {
	s.mu.Lock()
	s.files++
	s.bytes += n
	s.mu.Unlock()
}

// Totals returns the files and bytes written so far.
func (s *Sink) Totals() (files, bytes int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.files, s.bytes
}

func (s *Sink) record(e Entry, kind, checksum string) error {
	if s.Records == nil {
		return nil
	}
	return s.Records.Write(&stream.BackupFile{Server: s.Server, BackupID: s.BackupID,
		Path: filepath.ToSlash(s.rel(e)), Kind: kind, Tablespace: e.Tablespace, TablespaceOID: e.TablespaceOID,
		Size: e.Size, MTime: e.MTime, Mode: stream.ModeOf(e.Mode), Checksum: checksum, Link: e.Link})
}

// linkIn hard-links the file at from (anywhere) as name beneath root:
// linkat(2) relative to name's parent directory, opened beneath root.
func linkIn(root *os.Root, from, name string) error {
	dir, err := root.Open(filepath.Dir(name))
	if err != nil {
		return err
	}
	defer dir.Close()
	if err := unix.Linkat(unix.AT_FDCWD, from, int(dir.Fd()), filepath.Base(name), 0); err != nil {
		return &os.LinkError{Op: "link", Old: from, New: name, Err: err}
	}
	return nil
}
