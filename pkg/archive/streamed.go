package archive

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gobarman/barman/pkg/walfile"
	"github.com/gobarman/barman/pkg/walname"
)

// Streamed is what the streaming directory holds for a recovery that goes
// past the archive: the WAL that pg_receivewal (or receive-wal) received
// and archive-wal has not moved into wals/ yet.
type Streamed struct {
	// Files are the completed segments, the history files and the
	// partial file, by name, with their modification times.
	Files map[string]time.Time
	// Partial is the newest .partial file, the segment being received
	// ("" when none, or when nothing was received into it yet).
	Partial string
}

// ListStreamed lists the streaming directory (a missing one holds
// nothing). Files being written under other names (hidden, *.tmp) are
// left out.
func (a *Archive) ListStreamed() (Streamed, error) {
	dir := a.Layout.StreamingDir()
	st := Streamed{Files: map[string]time.Time{}}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("list the streaming directory of server %s: %w", a.Server, err)
	}
	for _, e := range ents {
		name := e.Name()
		kind := walname.Classify(name)
		if !e.Type().IsRegular() || (kind != walname.Segment && kind != walname.History && kind != walname.Partial) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // archived meanwhile
		}
		st.Files[name] = info.ModTime()
		if kind == walname.Partial && name > st.Partial {
			st.Partial = name
		}
	}
	if st.Partial != "" && neverWritten(filepath.Join(dir, st.Partial)) {
		st.Partial = ""
	}
	return st, nil
}

// neverWritten reports whether a .partial file starts with zeros: the
// streamer created it, and nothing was received into it yet.
func neverWritten(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, walfile.HeaderSize)
	n, _ := io.ReadFull(f, head)
	return n == len(head) && bytes.Count(head, []byte{0}) == len(head)
}

// OpenStreamed opens the file name of the streaming directory (a
// segment, a history file, or NAME.partial) for a recovery, after
// checking it as archive-wal checks what it archives (walfile.Check): a
// whole segment of the cluster exp names, in its place. A file that fails
// is not used: the error names it and says what to do.
func (a *Archive) OpenStreamed(name string, exp walfile.Expect) (io.ReadCloser, error) {
	p := filepath.Join(a.Layout.StreamingDir(), name)
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if err := checkStreamed(f, name, exp); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s in the streaming directory of server %s cannot be used for recovery: %w; move it out of %s (it is not this server's WAL) and recover again, or recover to a target before it",
			p, a.Server, err, a.Layout.StreamingDir())
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// checkStreamed reads the head of an open streamed file and checks it.
func checkStreamed(f *os.File, name string, exp walfile.Expect) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	head := make([]byte, min(st.Size(), headSize))
	if _, err := io.ReadFull(f, head); err != nil {
		return fmt.Errorf("read: %w", err)
	}
	_, err = walfile.Check(name, head, st.Size(), exp)
	return err
}
