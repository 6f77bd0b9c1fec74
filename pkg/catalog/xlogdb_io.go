package catalog

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gobarman/barman/pkg/fsutil"
)

// ParseXlogDB reads xlog.db content; name is the file name used in errors.
// Like Python's text files, it ends lines at "\n", "\r\n" or "\r".
func ParseXlogDB(r io.Reader, name string) ([]WALEntry, error) {
	var out []WALEntry
	br := bufio.NewReader(r)
	n := 0
	for {
		chunk, err := br.ReadString('\n')
		chunk = strings.TrimSuffix(strings.TrimSuffix(chunk, "\n"), "\r")
		for _, line := range strings.Split(chunk, "\r") {
			n++
			if line == "" && errors.Is(err, io.EOF) {
				break // nothing after the last line break
			}
			e, perr := ParseXlogDBLine(line)
			if perr != nil {
				return nil, &ParseError{File: name, Line: n, Msg: perr.Error()}
			}
			out = append(out, e)
		}
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
}

// ReadXlogDB reads an xlog.db file.
func ReadXlogDB(path string) ([]WALEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read xlog.db: %w", err)
	}
	defer f.Close()
	return ParseXlogDB(f, path)
}

// FormatXlogDB returns the file content for entries.
func FormatXlogDB(entries []WALEntry) []byte {
	var sb strings.Builder
	for _, e := range entries {
		sb.WriteString(e.Line())
	}
	return []byte(sb.String())
}

// WriteXlogDB replaces the xlog.db file at path with entries, atomically.
// The caller holds the server's xlogdb lock.
func WriteXlogDB(path string, entries []WALEntry) error {
	return fsutil.WriteFileAtomic(path, FormatXlogDB(entries), 0o644)
}

// AppendXlogDB appends entries to the xlog.db file at path and fsyncs it.
// The caller holds the server's xlogdb lock.
func AppendXlogDB(path string, entries ...WALEntry) error {
	return fsutil.AppendSync(path, FormatXlogDB(entries), 0o644)
}
