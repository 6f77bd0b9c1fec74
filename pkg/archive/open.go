package archive

import (
	"context"
	"fmt"
	"io"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/config"
)

// Codec is what reading the archive back needs from the server's
// configuration.
type Codec struct {
	Compression         string // compression ("" for none)
	DecompressionFilter string // custom_decompression_filter
	Magic               []byte // custom_compression_magic
}

// CodecOf returns the Codec of a configured server.
func CodecOf(s *config.Section) Codec {
	magic, _ := compress.ParseMagic(s.Get("custom_compression_magic")) // checked with the configuration
	return Codec{Compression: s.Get("compression"), DecompressionFilter: s.Get("custom_decompression_filter"), Magic: magic}
}

func (c Codec) options() []compress.Option {
	return []compress.Option{compress.WithCustom("", c.DecompressionFilter, c.Magic), compress.WithServerCompression(c.Compression)}
}

// NoFilterError is the error of reading a custom-compressed file of a
// server that has no custom_decompression_filter.
type NoFilterError struct{ Path, Server string }

func (e *NoFilterError) Error() string {
	return fmt.Sprintf("%q is compressed with custom_compression_filter, but server %s has no custom_decompression_filter", e.Path, e.Server)
}

// Hint says what to set.
func (e *NoFilterError) Hint() string {
	return fmt.Sprintf("set custom_decompression_filter in the [%s] section to the command that undoes its custom_compression_filter", e.Server)
}

// lookupFunc returns what xlog.db says of a name, and whether it lists it.
type lookupFunc func(name string) (catalog.WALEntry, bool, error)

// Open opens an archived WAL file decompressed. A file of wals/ is read
// with the compression xlog.db records for it (xlog.db is scanned for
// this one name); a file xlog.db does not list, or lists without a
// compression (Barman 2), is recognised from its first bytes as Barman
// does (see compress.WithServerCompression). A file of incoming/ or
// streaming/ is not the archiver's: only its magic bytes tell.
func (a *Archive) Open(name string, partial bool) (io.ReadCloser, error) {
	ctx := context.Background()
	l, err := a.locate(ctx, name, partial)
	if err != nil {
		return nil, err
	}
	rc, _, err := a.openLoc(ctx, l, name, a.lookup)
	return rc, err
}

// Reader returns an Open for reading many files: entries (xlog.db, read
// once by the caller) say how each is compressed.
func (a *Archive) Reader(entries []catalog.WALEntry) func(name string) (io.ReadCloser, error) {
	byName := make(map[string]catalog.WALEntry, len(entries))
	for _, e := range entries {
		byName[e.Name] = e
	}
	lookup := func(name string) (catalog.WALEntry, bool, error) {
		e, ok := byName[name]
		return e, ok, nil
	}
	return func(name string) (io.ReadCloser, error) {
		ctx := context.Background()
		l, err := a.locate(ctx, name, false)
		if err != nil {
			return nil, err
		}
		rc, _, err := a.openLoc(ctx, l, name, lookup)
		return rc, err
	}
}

func (a *Archive) lookup(name string) (catalog.WALEntry, bool, error) {
	found, err := catalog.XlogDBFind(a.Layout.XlogDBPath(), name)
	e, ok := found[name]
	return e, ok, err
}

// openLoc opens the WAL file name found at l decompressed, and says how
// it was compressed ("" for none).
func (a *Archive) openLoc(ctx context.Context, l loc, name string, lookup lookupFunc) (io.ReadCloser, string, error) {
	algo, err := a.compressionOf(ctx, l, name, lookup)
	if err != nil {
		return nil, "", err
	}
	rc, err := a.openAs(ctx, l, algo)
	return rc, algo, err
}

// compressionOf says how the WAL file name found at l is compressed.
func (a *Archive) compressionOf(ctx context.Context, l loc, name string, lookup lookupFunc) (string, error) {
	if !l.archived {
		return a.identify(ctx, l, false) // in incoming/ or streaming/
	}
	e, listed, err := lookup(name)
	if err != nil {
		return "", err
	}
	if listed && e.Fields != 3 {
		return e.Compression, nil
	}
	return a.identify(ctx, l, true)
}

// identify recognises the compression of the file at l from its first
// bytes ("" for none); for a file the archiver wrote (archived), as
// Barman does, with the server's compression option and custom magic.
func (a *Archive) identify(ctx context.Context, l loc, archived bool) (string, error) {
	var opts []compress.Option
	if archived {
		opts = a.Codec.options()
	}
	f, err := l.st.Open(ctx, l.name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, max(compress.MagicLen, len(a.Codec.Magic)))
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return "", fmt.Errorf("read %s: %w", l.path(), err)
	}
	return compress.Detect(head[:n], opts...), nil
}

// openAs opens the file at l decompressed with algo.
func (a *Archive) openAs(ctx context.Context, l loc, algo string) (io.ReadCloser, error) {
	algo, err := compress.Canonical(algo)
	if err != nil {
		return nil, fmt.Errorf("%q of server %s: %w", l.path(), a.Server, err)
	}
	if algo == compress.Custom && a.Codec.DecompressionFilter == "" {
		return nil, &NoFilterError{Path: l.path(), Server: a.Server}
	}
	f, err := l.st.Open(ctx, l.name)
	if err != nil {
		return nil, err
	}
	rc, err := compress.NewReader(f, algo, a.Codec.options()...)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", l.path(), err)
	}
	return readCloser{rc, f}, nil
}

type readCloser struct {
	io.ReadCloser
	f io.Closer
}

func (r readCloser) Close() error {
	err := r.ReadCloser.Close()
	if ferr := r.f.Close(); err == nil {
		err = ferr
	}
	return err
}
