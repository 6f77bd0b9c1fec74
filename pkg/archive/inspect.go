package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/walfile"
	"github.com/gobarman/barman/pkg/walname"
)

// headSize is how much of a file's decompressed content the checks see:
// a page header for segments, the whole of a history or label file.
const headSize = 64 << 10

// content is what reading a WAL file whole tells.
type content struct {
	head        []byte
	size        int64 // decompressed
	checksum    string
	compression string
}

// readContent reads the WAL file name at l whole, decompressed as Open
// decompresses it (an incoming file by its magic bytes, an archived one as
// xlog.db says), and returns its head, size and sha256.
func (a *Archive) readContent(ctx context.Context, l loc, name string) (content, error) {
	rc, algo, err := a.openLoc(ctx, l, name, a.lookup)
	if err != nil {
		return content{}, err
	}
	defer rc.Close()
	h := sha256.New()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(h, &limitWriter{w: &head, n: headSize}), rc)
	if err != nil {
		return content{}, fmt.Errorf("read %s: %w", l.path(), err)
	}
	return content{head: head.Bytes(), size: n, checksum: "sha256:" + hex.EncodeToString(h.Sum(nil)), compression: algo}, nil
}

// limitWriter keeps the first n bytes written and drops the rest.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(int64(len(p)), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// Result is what Inspect decided for one source file: a record to pass
// on (Record), or a reason it was set aside or dropped (Error or Dropped).
type Result struct {
	Record  *stream.WALFile // status new: to compress and commit
	Dropped *stream.WALFile // status duplicate: identical copy already archived, source removed
	Error   *stream.Error   // rejected: moved to errors/, or unreadable
}

// Inspect checks one source file and plans where it goes. catalogued says
// whether a name is already in xlog.db.
func (a *Archive) Inspect(ctx context.Context, path string, exp walfile.Expect, catalogued func(string) bool) Result {
	name := filepath.Base(path)
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return Result{} // taken by a concurrent run
	}
	if err != nil {
		return a.ioError(name, path, err)
	}
	if !st.Mode().IsRegular() {
		return a.reject(path, walfile.CodeUnknown, fmt.Sprintf("%s is not a regular file", name), "only WAL files belong in the incoming directory")
	}
	if walname.Classify(name) == walname.Unknown {
		return a.reject(path, walfile.CodeUnknown, fmt.Sprintf("%q is not a WAL file name", name), "only WAL segments, .history, .backup and .partial files belong in the incoming directory; the file was moved aside")
	}
	c, err := a.readContent(ctx, spooled(path), name)
	if err != nil {
		return a.ioError(name, path, err)
	}
	info, err := walfile.Check(name, c.head, c.size, exp)
	var p *walfile.Problem
	if errors.As(err, &p) {
		return a.reject(path, p.Code, p.Msg, p.Hint)
	}
	if err := a.RecordIdentity(info); err != nil {
		return a.ioError(name, path, err)
	}
	rec := &stream.WALFile{Server: a.Server, Name: name, Kind: kindOf(info.Name.Kind), Timeline: info.Name.Timeline,
		Status: stream.StatusNew, Size: st.Size(), OriginalSize: c.size, MTime: st.ModTime(),
		Compression: c.compression, Checksum: c.checksum, Path: path, Dest: a.Layout.WALPath(name)}
	return a.againstArchive(ctx, rec, catalogued)
}

// againstArchive handles a name that is already in the archive.
func (a *Archive) againstArchive(ctx context.Context, rec *stream.WALFile, catalogued func(string) bool) Result {
	dest := a.archived(rec.Name)
	if _, err := dest.st.Stat(ctx, dest.name); errors.Is(err, os.ErrNotExist) {
		return Result{Record: rec}
	}
	have, err := a.readContent(ctx, dest, rec.Name)
	if err != nil {
		return a.ioError(rec.Name, rec.Dest, err)
	}
	if have.checksum != rec.Checksum {
		return a.reject(rec.Path, stream.CodeDuplicate,
			fmt.Sprintf("%s is already archived for server %s with different content", rec.Name, a.Server),
			"two clusters or a restored clone may archive into the same server; compare the file in the errors directory with "+rec.Dest)
	}
	if !catalogued(rec.Name) {
		return Result{Record: rec} // placed by an interrupted run: commit catalogues it
	}
	if err := removeSynced(rec.Path); err != nil {
		return a.ioError(rec.Name, rec.Path, err)
	}
	rec.Status = stream.StatusDuplicate
	return Result{Dropped: rec}
}

func kindOf(k walname.Kind) string {
	switch k {
	case walname.History:
		return stream.KindHistory
	case walname.BackupLabel:
		return stream.KindBackupLabel
	case walname.Partial:
		return stream.KindPartial
	}
	return stream.KindSegment
}

func (a *Archive) reject(path, code, msg, hint string) Result {
	dst, err := a.Reject(path, code)
	if err != nil {
		return a.ioError(filepath.Base(path), path, err)
	}
	a.log().Warn("WAL file rejected", "server", a.Server, "file", path, "moved_to", dst, "reason", msg)
	return Result{Error: &stream.Error{Server: a.Server, Stage: "ingest", Code: code, Name: filepath.Base(path),
		Path: dst, Message: msg + "; moved to " + dst, Hint: hint}}
}

func (a *Archive) ioError(name, path string, err error) Result {
	return Result{Error: &stream.Error{Server: a.Server, Stage: "ingest", Code: stream.CodeIO, Name: name, Path: path,
		Message: err.Error(), Hint: "the file stays where it is; fix the cause and run barman cron again"}}
}

// removeSynced removes a file and fsyncs its directory.
func removeSynced(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
