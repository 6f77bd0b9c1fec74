package basebackup

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"path"
	"strings"
)

// archive extracts one tar archive of a BASE_BACKUP into the sink while
// it streams: CopyData payloads go through a pipe to a goroutine reading
// the tar, so at most one message is in memory.
type archive struct {
	name string
	oid  uint32 // 0 for PGDATA
	tbs  string // tablespace name
	sink *Sink
	pw   *io.PipeWriter
	done chan error

	// Set by the extracting goroutine, read after done.
	files, bytes int64
	label, tsmap string
	sawControl   bool
}

// maxCapture bounds the size of backup_label and tablespace_map, whose
// contents StreamResult returns.
const maxCapture = 1 << 20

func (s *streamSession) startArchive(name string, oid uint32, tbs string) *archive {
	pr, pw := io.Pipe()
	a := &archive{name: name, oid: oid, tbs: tbs, sink: s.sink, pw: pw, done: make(chan error, 1)}
	go func() {
		err := a.extract(pr)
		if err == nil {
			// Past the end-of-archive marker: swallow any padding, so that
			// the writer never blocks.
			_, err = io.Copy(io.Discard, pr)
		}
		pr.CloseWithError(err)
		a.done <- err
	}()
	return a
}

// write hands p to the extractor and returns once it has been consumed.
// If the extraction failed, its error is returned.
func (a *archive) write(p []byte) error {
	if _, err := a.pw.Write(p); err != nil {
		a.pw.CloseWithError(err)
		return <-a.done
	}
	return nil
}

// finish marks the end of the archive and waits for the extraction.
func (a *archive) finish() error {
	a.pw.Close()
	return <-a.done
}

// abort stops the extraction with err and waits for it.
func (a *archive) abort(err error) {
	a.pw.CloseWithError(err)
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
		return a.sink.Mkdir(e)
	case tar.TypeSymlink:
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
	if err := a.sink.File(e, r); err != nil {
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
