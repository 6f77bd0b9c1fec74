package walcompress

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/stream"
)

// Permissions of what we create in the archive: private to barman.
const (
	fileMode = 0o600
	dirMode  = 0o700
)

// handle places one file and writes its record, or an error record.
func (r *recordRun) handle(ctx context.Context, rec *stream.WALFile) {
	out, ferr := r.place(ctx, rec)
	switch {
	case ferr == nil:
		r.done(out)
	case ctx.Err() == nil: // an interrupted file is not an error of its own
		r.report(ferr.record(rec))
	}
}

// place compresses rec.Path into rec.Dest durably, unless dest already
// holds the same content. It never overwrites dest, not even one another
// process creates meanwhile (the rename refuses to replace).
func (r *recordRun) place(ctx context.Context, rec *stream.WALFile) (*stream.WALFile, *fileError) {
	defer r.locks.lock(rec.Dest)()
	src, err := os.Open(rec.Path)
	if err != nil {
		return nil, readError(rec.Path, err)
	}
	defer src.Close()
	if out, ferr := r.existing(ctx, rec, src); out != nil || ferr != nil {
		return out, ferr
	}
	var n int64
	err = createDest(ctx, rec, func(w io.Writer) (err error) {
		n, err = r.compressTo(ctx, w, src)
		return err
	})
	if errors.Is(err, fs.ErrExist) {
		// Another process placed dest while this one compressed: judge
		// what it wrote as any dest found in place.
		if _, serr := src.Seek(0, io.SeekStart); serr != nil {
			return nil, readError(rec.Path, serr)
		}
		if out, ferr := r.existing(ctx, rec, src); out != nil || ferr != nil {
			return out, ferr
		}
		return nil, writeError(rec.Dest, err)
	}
	if err != nil {
		var re *sourceError
		var fe *compress.FilterError
		switch {
		case errors.As(err, &re):
			return nil, readError(rec.Path, re.err)
		case errors.As(err, &fe):
			return nil, &fileError{stream.CodeFilter, rec.Dest, fe.Error(), filterHint}
		}
		return nil, writeError(rec.Dest, err)
	}
	if ferr := r.verifyCustom(ctx, rec, src); ferr != nil {
		return nil, ferr
	}
	return r.result(rec, n, r.o.Algo)
}

// destOf returns the storage that rec.Dest is a blob of, and its name
// there: a storage.Local on dest's directory with the archive's modes.
// The records name dest by its path; a backend for object storage will
// be chosen from it in the same place.
func destOf(rec *stream.WALFile) (storage.Storage, string) {
	return &storage.Local{Root: filepath.Dir(rec.Dest), Perm: fileMode, DirPerm: dirMode}, filepath.Base(rec.Dest)
}

// createDest writes dest through its storage with fill: its directories
// are created as needed, nothing is visible before the blob is complete
// and durable, and an existing dest is never replaced (IfNotExists: the
// error wraps fs.ErrExist).
func createDest(ctx context.Context, rec *stream.WALFile, fill func(io.Writer) error) error {
	st, name := destOf(rec)
	w, err := st.Create(ctx, name, storage.CreateOptions{IfNotExists: true})
	if err != nil {
		return err
	}
	if err := fill(w); err != nil {
		w.Abort()
		return fmt.Errorf("write %q: %w", rec.Dest, err)
	}
	return w.Commit()
}

// verifyCustom decompresses what a custom filter wrote at rec.Dest and
// compares it with the source: a filter that loses data (one that exits 0
// without reading all its input, say) must not get a WAL file into the
// archive. Built-in codecs are not checked. dest is not catalogued yet:
// on a mismatch it is removed and the source stays where it is.
func (r *recordRun) verifyCustom(ctx context.Context, rec *stream.WALFile, src *os.File) *fileError {
	if r.o.Algo != compress.Custom || r.o.DecompressionFilter == "" {
		return nil
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return readError(rec.Path, err)
	}
	st, name := destOf(rec)
	f, err := st.Open(ctx, name)
	if err != nil {
		return writeError(rec.Dest, err)
	}
	same, _, err := r.compareArchived(ctx, f, src)
	f.Close()
	if err == nil && same {
		return nil
	}
	st.Remove(ctx, name)
	msg := fmt.Sprintf("custom_compression_filter %q wrote a file that custom_decompression_filter %q does not turn back into %s", r.o.CompressionFilter, r.o.DecompressionFilter, rec.Name)
	if err != nil {
		msg += ": " + bareError(err).Error()
	}
	return &fileError{stream.CodeFilter, rec.Dest, msg, filterHint}
}

// filterHint goes with every failure of a custom filter: the source is
// left in place and nothing is archived.
const filterHint = "the WAL file stays where it is; check the filters by hand (compress a file, decompress it, compare)"

// result is rec updated with what is now at dest.
func (r *recordRun) result(rec *stream.WALFile, original int64, algo string) (*stream.WALFile, *fileError) {
	st, name := destOf(rec)
	info, err := st.Stat(context.Background(), name)
	if err != nil {
		return nil, writeError(rec.Dest, err)
	}
	out := *rec
	out.Size, out.OriginalSize, out.Compression = info.Size, original, algo
	if algo == compress.None {
		out.Compression = ""
	}
	return &out, nil
}

// compressTo writes src compressed into w (the temporary file). A plain
// copy goes straight from file to file (copy_file_range); a custom filter
// writes straight into the file.
func (r *recordRun) compressTo(ctx context.Context, w io.Writer, src *os.File) (int64, error) {
	in := sourceReader{ctxReader{ctx, src}}
	if r.o.Algo == compress.None {
		return io.Copy(w, src)
	}
	bw := bufio.NewWriterSize(w, 128<<10)
	dst := io.Writer(bw)
	if r.o.Algo == compress.Custom {
		dst = w
	}
	cw, err := compress.NewWriter(dst, r.o.Algo, r.o.Level, r.opts...)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(cw, in)
	if cerr := cw.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = bw.Flush()
	}
	return n, err
}

// sourceReader marks read errors, to tell them from write errors.
type sourceReader struct{ r io.Reader }

type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

func (s sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &sourceError{err}
	}
	return n, err
}

// fileError is a failure about one file, turned into an error record.
type fileError struct {
	code, path, message, hint string
}

func (f *fileError) record(rec *stream.WALFile) *stream.Error {
	return &stream.Error{Server: rec.Server, Stage: Stage, Code: f.code, Message: f.message,
		Hint: f.hint, Name: rec.Name, Path: f.path}
}

func readError(path string, err error) *fileError {
	hint := "check that the file is there and readable by this user"
	if errors.Is(err, fs.ErrNotExist) {
		hint = "the file is gone: check whether another run archived it, then drop its record"
	}
	return &fileError{stream.CodeIO, path, fmt.Sprintf("cannot read %q: %v", path, bareError(err)), hint}
}

func writeError(path string, err error) *fileError {
	dir := filepath.Dir(path)
	hint := fmt.Sprintf("check the permissions of %q and the free space on its file system", dir)
	if errors.Is(err, syscall.ENOSPC) {
		hint = fmt.Sprintf("free some space on the file system of %q, then run again", dir)
	}
	return &fileError{stream.CodeIO, path, fmt.Sprintf("cannot write %q: %v", path, bareError(err)), hint}
}

// bareError drops the operation and path that the message already says:
// those of *fs.PathError, or the one level of wrapping fsutil adds.
func bareError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	if inner := errors.Unwrap(err); inner != nil {
		return inner
	}
	return err
}
