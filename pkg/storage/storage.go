package storage

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"
)

// ErrNotExist is returned (wrapped) when a name is not stored. It is
// fs.ErrNotExist, so that Local can return the operating system's own
// errors (which name the file) and callers test one thing.
var ErrNotExist = fs.ErrNotExist

// ErrExist is returned (wrapped) by a conditional create (IfNotExists)
// whose name is stored already: the stored blob is untouched. It is
// fs.ErrExist.
var ErrExist = fs.ErrExist

// Info describes a stored blob, or with Dir a common prefix of a listing
// with a delimiter.
type Info struct {
	Name    string
	Size    int64
	ModTime time.Time
	Dir     bool // Name is a prefix ending in the delimiter (ListOptions.Delimiter)
}

// CreateOptions tune Create.
type CreateOptions struct {
	// IfNotExists makes Commit fail with ErrExist, leaving the stored
	// blob as it is, when name is stored already. Of two concurrent
	// creates of one name, exactly one commits (S3: If-None-Match: *;
	// locally renameat2 RENAME_NOREPLACE or link(2)).
	IfNotExists bool
}

// ListOptions tune List.
type ListOptions struct {
	// Delimiter, when set (only "/" is supported), lists the names that
	// have it after the prefix once per distinct part up to and including
	// it, as an Info with Dir set: S3's CommonPrefixes, a directory
	// listing that does not walk into subdirectories.
	Delimiter string
}

// Writer is a blob being written, of a size not known in advance.
// Nothing of it is visible under its name before Commit; Commit returns
// only once the blob is durable; Abort (or a crash, or a killed process)
// leaves no trace that Open, Stat or List could see. Calling Abort after
// Commit does nothing, so that `defer w.Abort()` is always safe.
type Writer interface {
	io.Writer
	Commit() error
	Abort() error
}

// Storage is a place to keep blobs: named byte strings written whole and
// never modified in place. It has no rename: object stores have none.
// Implementations are safe for concurrent use.
type Storage interface {
	// Create starts writing name. See Writer and CreateOptions.
	Create(ctx context.Context, name string, opts CreateOptions) (Writer, error)
	// Open opens a blob for reading. A reader opened before a blob is
	// replaced goes on reading the old content.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Stat describes a blob.
	Stat(ctx context.Context, name string) (Info, error)
	// Remove deletes a blob; removing a missing blob is not an error.
	Remove(ctx context.Context, name string) error
	// List calls fn for each blob whose name starts with prefix, in name
	// (byte) order, and stops at fn's first error, which it returns.
	List(ctx context.Context, prefix string, opts ListOptions, fn func(Info) error) error
}

// Save stores the content of r under name through Create: atomically
// (readers see the old or the new content, never a part) and durably.
func Save(ctx context.Context, s Storage, name string, r io.Reader, opts CreateOptions) error {
	w, err := s.Create(ctx, name, opts)
	if err != nil {
		return err
	}
	defer w.Abort()
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("save %s: %w", name, err)
	}
	return w.Commit()
}

// ReadAll returns the content of the blob name.
func ReadAll(ctx context.Context, s Storage, name string) ([]byte, error) {
	r, err := s.Open(ctx, name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// LocalPather is the optional capability of a storage kept on local disk:
// LocalPath returns the file of name, for the paths that need a file (the
// basebackup sink's O_DIRECT writes and hard links, hooks' BARMAN_FILE,
// mtimes set on archived WAL files). Object storage does not have it;
// code that uses it must say what it does without it.
type LocalPather interface {
	LocalPath(name string) (string, error)
}

// ValidName checks that name is a clean, relative, slash-separated name
// none of whose elements starts with "." (Local keeps its temporary files
// under such names).
func ValidName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name || strings.ContainsRune(name, 0) {
		return fmt.Errorf("invalid storage name %q: want a clean relative path", name)
	}
	for el := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(el, ".") {
			return fmt.Errorf("invalid storage name %q: an element starts with \".\"", name)
		}
	}
	return nil
}

func checkDelimiter(opts ListOptions) error {
	if opts.Delimiter != "" && opts.Delimiter != "/" {
		return fmt.Errorf("list delimiter %q: only \"/\" is supported", opts.Delimiter)
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
