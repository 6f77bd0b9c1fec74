package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/walfile"
	"github.com/gobarman/barman/pkg/walname"
)

// WALRestoreOptions tune RestoreWAL.
type WALRestoreOptions struct {
	Server string
	// Parallel > 1 prefetches the Parallel-1 segments that follow a
	// restored segment into SpoolDir, at once.
	Parallel int
	SpoolDir string
	Log      Logf
}

// DefaultSpoolDir is the spool of prefetched segments of server.
func DefaultSpoolDir(server string) string { return "/var/tmp/walrestore-" + server }

// maxTextWAL bounds what is read of a history or backup label file.
const maxTextWAL = 16 << 20

// RestoreWAL writes the WAL file name of opts.Server to dest, as
// barman-cloud-wal-restore does: the object of that name with any known
// compression suffix, else (for a segment) its .partial file. The content
// is checked (the store's checksum; a segment's page header must be the
// one of name) and written to a temporary file next to dest, made durable
// and renamed: dest is never a part of a file. A missing file is an error
// wrapping ErrWALNotFound. With opts.Parallel > 1, the segments that
// follow a segment are then prefetched into opts.SpoolDir (see
// TakeFromSpool); what cannot be prefetched is logged, not an error.
func RestoreWAL(ctx context.Context, st storage.Storage, name, dest string, opts WALRestoreOptions) error {
	if err := CheckServerName(opts.Server); err != nil {
		return err
	}
	n, err := walname.Parse(name)
	if err != nil {
		return fmt.Errorf("%s is an invalid name for a WAL file", name)
	}
	l := Layout{Server: opts.Server}
	obj, found, err := findWAL(ctx, st, l, n)
	if err != nil {
		return err
	}
	if !found {
		return fmt.Errorf("WAL file %s for server %s does not exists: %w", name, opts.Server, ErrWALNotFound)
	}
	opts.Log.printf("Found WAL %s for server %s as %s", name, opts.Server, obj.Key)
	info, err := download(ctx, st, obj, n, dest)
	if err != nil {
		return err
	}
	if opts.Parallel > 1 && n.Kind == walname.Segment {
		prefetch(ctx, st, l, n, info.SegSize, opts)
	}
	return nil
}

// findWAL finds the object of n: a complete file with any suffix first,
// else a segment's .partial (as Barman restores it).
func findWAL(ctx context.Context, st storage.Storage, l Layout, n walname.Name) (walObject, bool, error) {
	name := n.String()
	objs, err := listWAL(ctx, st, l, name)
	if err != nil {
		return walObject{}, false, err
	}
	for _, want := range []string{name, name + ".partial"} {
		for _, obj := range objs {
			if obj.Base == want && (want == name || n.Kind == walname.Segment) {
				return obj, true, nil
			}
		}
	}
	return walObject{}, false, nil
}

// download writes obj's content to dest through a temporary file, after
// checking it is the WAL file n.
func download(ctx context.Context, st storage.Storage, obj walObject, n walname.Name, dest string) (walfile.Info, error) {
	af, err := fsutil.CreateAtomic(dest, 0o600)
	if err != nil {
		return walfile.Info{}, err
	}
	defer af.Abort()
	head, size, err := copyWAL(ctx, st, obj, n, af)
	if err != nil {
		return walfile.Info{}, err
	}
	info, err := walfile.Check(n.String(), head, size, walfile.Expect{})
	if err != nil {
		return walfile.Info{}, refuse(err, "the archive holds something else under this name: it cannot be restored from it",
			"refusing to restore %s: %v", obj.Key, err)
	}
	if err := af.Commit(); err != nil {
		return walfile.Info{}, fmt.Errorf("write %s: %w", dest, err)
	}
	return info, nil
}

// copyWAL copies the decompressed content of obj to w and returns its
// beginning (a segment's page header, or a whole text file) and size.
func copyWAL(ctx context.Context, st storage.Storage, obj walObject, n walname.Name, w io.Writer) ([]byte, int64, error) {
	r, err := st.Open(ctx, obj.Key)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	dec, err := compress.NewReader(r, obj.Algo)
	if err != nil {
		return nil, 0, readError(obj, err)
	}
	defer dec.Close()
	keep := walfile.HeaderSize
	if n.Kind == walname.History || n.Kind == walname.BackupLabel {
		keep = maxTextWAL
	}
	hw := &headWriter{max: keep}
	size, err := io.Copy(io.MultiWriter(w, hw), dec)
	if err != nil {
		if isStoreError(err) || isWriteError(err) {
			return nil, 0, err
		}
		return nil, 0, readError(obj, err)
	}
	// Reading to the end is what checks the store's checksum.
	if _, err := io.Copy(io.Discard, r); err != nil {
		return nil, 0, readError(obj, err)
	}
	return hw.buf.Bytes(), size, nil
}

func isWriteError(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe)
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	buf bytes.Buffer
	max int
}

func (h *headWriter) Write(p []byte) (int, error) {
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

// prefetch fetches the opts.Parallel-1 segments after n into the spool,
// at once. A segment that is not archived (the end of the archive) or
// that fails is left out.
func prefetch(ctx context.Context, st storage.Storage, l Layout, n walname.Name, segSize uint64, opts WALRestoreOptions) {
	if err := os.MkdirAll(opts.SpoolDir, 0o700); err != nil {
		opts.Log.printf("WARNING: no prefetch: %v", err)
		return
	}
	removeStaleTemps(opts.SpoolDir, time.Hour)
	var wg sync.WaitGroup
	next := n
	for range opts.Parallel - 1 {
		var err error
		if next, err = next.Next(segSize); err != nil {
			break
		}
		wg.Add(1)
		go func(seg walname.Name) {
			defer wg.Done()
			if err := prefetchOne(ctx, st, l, seg, opts.SpoolDir); err != nil {
				opts.Log.printf("WARNING: prefetch of %s: %v", seg, err)
			}
		}(next)
	}
	wg.Wait()
}

// removeStaleTemps removes the temporary files of prefetches that were
// interrupted (killed) more than age ago.
func removeStaleTemps(spool string, age time.Duration) {
	ents, _ := os.ReadDir(spool)
	for _, e := range ents {
		if !fsutil.IsTemp(e.Name()) {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > age {
			os.Remove(filepath.Join(spool, e.Name()))
		}
	}
}

func prefetchOne(ctx context.Context, st storage.Storage, l Layout, seg walname.Name, spool string) error {
	dest := filepath.Join(spool, seg.String())
	if _, err := os.Lstat(dest); err == nil {
		return nil
	}
	obj, found, err := findWAL(ctx, st, l, seg)
	if err != nil || !found {
		return err
	}
	_, err = download(ctx, st, obj, seg, dest)
	return err
}

// TakeFromSpool moves the prefetched segment name from spool to dest, if
// it is there: it returns whether it was. It needs no store: a restore
// served from the spool makes no request. The file is checked again (a
// segment's page header) before it is moved; a bad one is removed and
// not taken.
func TakeFromSpool(spool, name, dest string, log Logf) (bool, error) {
	n, err := walname.Parse(name)
	if err != nil || n.Kind != walname.Segment {
		return false, nil
	}
	src := filepath.Join(spool, name)
	f, err := os.Open(src)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	head := make([]byte, walfile.HeaderSize)
	_, rerr := io.ReadFull(f, head)
	st, serr := f.Stat()
	f.Close()
	if rerr == nil && serr == nil {
		_, rerr = walfile.Check(name, head, st.Size(), walfile.Expect{})
	}
	if err := errors.Join(rerr, serr); err != nil {
		log.printf("WARNING: %s is not a good copy of %s (%v): removed, restoring from the archive", src, name, err)
		os.Remove(src)
		return false, nil
	}
	if err := os.Rename(src, dest); err != nil {
		// Another file system: copy durably, then remove.
		if err := copyFile(src, dest); err != nil {
			return false, err
		}
		os.Remove(src)
	} else if err := fsutil.SyncDir(filepath.Dir(dest)); err != nil {
		return false, err
	}
	log.printf("WAL file %s taken from the prefetch spool %s", name, spool)
	return true, nil
}

func copyFile(src, dest string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	af, err := fsutil.CreateAtomic(dest, 0o600)
	if err != nil {
		return err
	}
	defer af.Abort()
	if _, err := io.Copy(af, in); err != nil {
		return fmt.Errorf("copy %s to %s: %w", src, dest, err)
	}
	return af.Commit()
}
