package basebackup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gobarman/barman/pkg/backuptar"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/stream"
)

// archive extracts one tar archive of a BASE_BACKUP into the sink while
// it streams: CopyData payloads are queued (asyncPipe, 8 MiB at most) for
// a goroutine reading the tar, so that the connection is read while the
// files are written.
type archive struct {
	name string
	oid  uint32 // 0 for PGDATA
	tbs  string // tablespace name
	sink *Sink
	pipe *asyncPipe
	done chan error

	// index: the archive is stored as it is (compressed), its members
	// only hashed and recorded (backup_compression, tar format).
	index bool

	// Set by the extracting goroutine, read after done.
	files, bytes int64
	label, tsmap string
	sawControl   bool
}

// maxCapture bounds the size of backup_label and tablespace_map, whose
// contents StreamResult returns.
const maxCapture = 1 << 20

func (s *streamSession) startArchive(name string, oid uint32, tbs string) (*archive, error) {
	c := s.opt.Compression
	a := &archive{name: name, oid: oid, tbs: tbs, sink: s.sink, done: make(chan error, 1), index: c.Tar()}
	var out *archiveFile
	if c.Tar() {
		var err error
		if out, err = createArchiveFile(s.sink.Dir, oid, c); err != nil {
			return nil, err
		}
	}
	pipe := newAsyncPipe()
	a.pipe = pipe
	go func() {
		err := a.receive(pipe, out, c)
		pipe.CloseRead(err)
		a.done <- err
	}()
	return a, nil
}

// receive reads the archive's bytes from pr: into out when the archive is
// stored as it is (compressing it unless the server did), and through the
// tar reader, decompressed when the server compressed.
func (a *archive) receive(pr io.Reader, out *archiveFile, c Compression) (err error) {
	var in io.Reader = pr
	if out != nil {
		defer func() {
			if cerr := out.close(err); err == nil {
				err = cerr
			}
		}()
		in = io.TeeReader(pr, out)
	}
	tarStream := in
	if c.Server && c.Algo != "" {
		zr, err := compress.NewReader(in, c.Algo)
		if err != nil {
			return fmt.Errorf("archive %s: %w", a.name, err)
		}
		defer zr.Close()
		tarStream = zr
	}
	if err := a.extract(tarStream); err != nil {
		return err
	}
	// Past the end-of-archive marker: read the rest (padding, the end of
	// the compressed stream), so that the writer never blocks and the
	// stored archive is whole.
	if _, err := io.Copy(io.Discard, tarStream); err != nil {
		return fmt.Errorf("archive %s: %w", a.name, err)
	}
	_, err = io.Copy(io.Discard, in)
	return err
}

// archiveFile is a stored archive: data/base.tar.zst and the like.
type archiveFile struct {
	f    *os.File
	bw   *bufio.Writer
	comp io.WriteCloser // compressing into bw; nil when the server compressed
}

func createArchiveFile(dir string, oid uint32, c Compression) (*archiveFile, error) {
	algo := c.Algo
	name, err := backuptar.Name(oid, algo)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "data", name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	af := &archiveFile{f: f, bw: bufio.NewWriterSize(f, 1<<20)}
	if !c.Server {
		workers := c.Workers
		if workers <= 0 {
			workers = runtime.NumCPU()
		}
		if af.comp, err = compress.NewParallelWriter(af.bw, algo, c.level(), workers); err != nil {
			f.Close()
			return nil, err
		}
	}
	return af, nil
}

func (af *archiveFile) Write(p []byte) (int, error) {
	if af.comp != nil {
		return af.comp.Write(p)
	}
	return af.bw.Write(p)
}

// close finishes the file (not fsynced: the backup's tree is at the end).
func (af *archiveFile) close(failed error) error {
	var err error
	if af.comp != nil {
		err = af.comp.Close()
	}
	if err == nil {
		err = af.bw.Flush()
	}
	if cerr := af.f.Close(); err == nil {
		err = cerr
	}
	if err != nil && failed == nil {
		return fmt.Errorf("write %s: %w", af.f.Name(), err)
	}
	return nil
}

// write hands p to the extractor and returns once it has been consumed.
// If the extraction failed, its error is returned.
func (a *archive) write(p []byte) error {
	if _, err := a.pipe.Write(p); err != nil {
		a.pipe.CloseWrite(err)
		return <-a.done
	}
	return nil
}

// finish marks the end of the archive and waits for the extraction.
func (a *archive) finish() error {
	a.pipe.CloseWrite(nil)
	return <-a.done
}

// abort stops the extraction with err and waits for it.
func (a *archive) abort(err error) {
	a.pipe.CloseWrite(err)
	<-a.done
}

// extract reads the tar stream and passes every entry to the sink. The
// server omits the end-of-archive blocks, so a clean EOF at a header
// boundary ends it; EOF inside an entry is an error.
func (a *archive) extract(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive %s: %w", a.name, err)
		}
		if err := a.entry(hdr, tr); err != nil {
			return fmt.Errorf("archive %s: %w", a.name, err)
		}
	}
}

func (a *archive) entry(hdr *tar.Header, r io.Reader) error {
	name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
	if name == "." {
		return nil
	}
	e := Entry{Path: name, TablespaceOID: a.oid, Tablespace: a.tbs, Mode: hdr.FileInfo().Mode(),
		MTime: hdr.ModTime, Link: hdr.Linkname}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if a.index {
			return a.sink.Note(e, stream.FileDir)
		}
		return a.sink.Mkdir(e)
	case tar.TypeSymlink:
		if a.index {
			return a.sink.Note(e, stream.FileSymlink)
		}
		return a.sink.Symlink(e)
	case tar.TypeReg:
		e.Size = hdr.Size
		return a.file(e, r)
	}
	return fmt.Errorf("%s: unsupported tar entry type %q", name, hdr.Typeflag)
}

// file writes a regular file, keeping backup_label and tablespace_map.
func (a *archive) file(e Entry, r io.Reader) error {
	var kept *string
	if a.oid == 0 && e.Size <= maxCapture {
		switch e.Path {
		case "backup_label":
			kept = &a.label
		case "tablespace_map":
			kept = &a.tsmap
		}
	}
	var buf bytes.Buffer
	if kept != nil {
		r = io.TeeReader(r, &buf)
	}
	store := a.sink.File
	if a.index {
		store = a.sink.Hash
	}
	if err := store(e, r); err != nil {
		return err
	}
	if kept != nil {
		*kept = buf.String()
	}
	a.sawControl = a.sawControl || (a.oid == 0 && e.Path == "global/pg_control")
	a.files++
	a.bytes += e.Size
	return nil
}
