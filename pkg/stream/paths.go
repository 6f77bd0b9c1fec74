package stream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxPathEntry bounds one entry of a file list.
const maxPathEntry = 1 << 20

// ScanNUL is a bufio.SplitFunc for NUL-terminated lists (find -print0,
// xargs -0). Entries are returned as raw bytes; a final entry without its
// NUL is returned too.
func ScanNUL(data []byte, atEOF bool) (int, []byte, error) { return scanSep(data, atEOF, 0) }

// ScanNewline is a bufio.SplitFunc for newline-terminated lists. Unlike
// bufio.ScanLines it keeps a trailing "\r", which may be part of a name.
func ScanNewline(data []byte, atEOF bool) (int, []byte, error) { return scanSep(data, atEOF, '\n') }

func scanSep(data []byte, atEOF bool, sep byte) (int, []byte, error) {
	if i := bytes.IndexByte(data, sep); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// ReadPathsNUL reads a NUL-terminated list of names. Empty entries are
// skipped. Names are returned byte for byte, UTF-8 or not.
func ReadPathsNUL(r io.Reader) ([]string, error) { return readPaths(r, ScanNUL) }

// ReadPathsLines reads a newline-terminated list of names, one per line.
// Empty lines are skipped. A name containing a newline cannot be listed
// this way: use the NUL mode.
func ReadPathsLines(r io.Reader) ([]string, error) { return readPaths(r, ScanNewline) }

func readPaths(r io.Reader, split bufio.SplitFunc) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxPathEntry)
	sc.Split(split)
	var paths []string
	for sc.Scan() {
		if len(sc.Bytes()) > 0 {
			paths = append(paths, sc.Text())
		}
	}
	return paths, sc.Err()
}

// WritePathsNUL writes each name followed by a NUL, in a single Write.
// Empty names and names containing NUL are refused before anything is
// written.
func WritePathsNUL(w io.Writer, paths []string) error { return writePaths(w, paths, 0) }

// WritePathsLines writes each name followed by a newline, in a single
// Write. Empty names and names containing a newline are refused before
// anything is written.
func WritePathsLines(w io.Writer, paths []string) error { return writePaths(w, paths, '\n') }

func writePaths(w io.Writer, paths []string, sep byte) error {
	var buf []byte
	for _, p := range paths {
		switch {
		case p == "":
			return errors.New("empty file name in list")
		case strings.IndexByte(p, sep) < 0:
		case sep == '\n':
			return fmt.Errorf("file name %q contains a newline: use the NUL-separated list", p)
		default:
			return fmt.Errorf("file name %q contains NUL", p)
		}
		buf = append(append(buf, p...), sep)
	}
	if len(buf) == 0 {
		return nil
	}
	_, err := w.Write(buf)
	return err
}
