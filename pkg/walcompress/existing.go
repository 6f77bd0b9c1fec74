package walcompress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/stream"
)

// existing handles a dest that is already there. If its content,
// decompressed, is the source's, an earlier run did the work and stopped
// before passing the record on: dest is made durable (that run may have
// been killed before its fsyncs, and the record lets the next stage remove
// the source) and the record is written with what is on disk. Anything
// else is a duplicate, and dest is left untouched. It returns nil, nil
// when dest does not exist.
func (r *recordRun) existing(ctx context.Context, rec *stream.WALFile, src *os.File) (*stream.WALFile, *fileError) {
	dest, name := destOf(rec)
	f, err := dest.Open(ctx, name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, readError(rec.Dest, err)
	}
	defer f.Close()
	same, algo, err := r.compareArchived(ctx, f, src)
	var se *sourceError
	switch {
	case errors.As(err, &se):
		return nil, readError(rec.Path, se.err)
	case err != nil:
		return nil, duplicate(rec, fmt.Sprintf("%q already exists and cannot be read as %s: %v", rec.Dest, algo, err))
	case !same:
		return nil, duplicate(rec, fmt.Sprintf("%q already exists with a different content", rec.Dest))
	}
	st, err := src.Stat()
	if err != nil {
		return nil, readError(rec.Path, err)
	}
	if err := syncPlaced(rec.Dest); err != nil {
		return nil, writeError(rec.Dest, err)
	}
	return r.result(rec, st.Size(), algo)
}

// syncPlaced is fsutil.SyncPlaced; the tests watch it.
var syncPlaced = fsutil.SyncPlaced

func duplicate(rec *stream.WALFile, msg string) *fileError {
	return &fileError{stream.CodeDuplicate, rec.Dest, msg,
		fmt.Sprintf("an archived WAL is never overwritten: compare it with %q and move the wrong one aside", rec.Path)}
}

// compareArchived decompresses f (by its magic; with -c custom and no
// custom magic, a file of unknown format is taken as custom: see
// compress.WithServerCompression) and compares it with src. Errors
// reading src are *sourceError.
func (r *recordRun) compareArchived(ctx context.Context, f io.Reader, src io.Reader) (same bool, algo string, err error) {
	dec, algo, err := compress.OpenAuto(f, r.opts...)
	if algo == "" {
		algo = compress.None
	}
	if err != nil {
		return false, algo, err
	}
	defer dec.Close()
	same, err = fsutil.SameContent(ctxReader{ctx, dec}, sourceReader{src})
	return same, algo, err
}

// keyedMutex serialises the work on one dest, so that two records for the
// same file in one run cannot both find it missing and both write it.
type keyedMutex struct {
	mu   sync.Mutex
	held map[string]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.held == nil {
		k.held = map[string]*keyLock{}
	}
	l := k.held[key]
	if l == nil {
		l = new(keyLock)
		k.held[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.held, key)
		}
		k.mu.Unlock()
	}
}
