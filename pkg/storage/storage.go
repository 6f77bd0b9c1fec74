package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// ErrNotExist is returned (wrapped) when a name is not stored.
var ErrNotExist = errors.New("does not exist")

// Info describes a stored blob.
type Info struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// Storage is a place to keep blobs.
type Storage interface {
	// Save stores the content of r under name, replacing any previous
	// blob atomically: readers see the old or the new content, never a
	// part. It returns only when the blob is durable.
	Save(ctx context.Context, name string, r io.Reader) error
	// Open opens a blob for reading.
	Open(ctx context.Context, name string) (io.ReadCloser, error)
	// Stat describes a blob.
	Stat(ctx context.Context, name string) (Info, error)
	// Remove deletes a blob; removing a missing blob is not an error.
	Remove(ctx context.Context, name string) error
	// List calls fn for each blob whose name starts with prefix, in name order.
	List(ctx context.Context, prefix string, fn func(Info) error) error
}

// ValidName checks that name is a clean, relative, slash-separated name.
func ValidName(name string) error {
	if name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name || name == "." ||
		strings.HasPrefix(name, "../") || name == ".." || strings.ContainsRune(name, 0) {
		return fmt.Errorf("invalid storage name %q: want a clean relative path", name)
	}
	return nil
}
