package catalog

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/gobarman/barman/pkg/fsutil"
)

// ParseXlogDB reads xlog.db content; name is the file name used in errors.
// Like Python's text files, it ends lines at "\n", "\r\n" or "\r".
// The content is read into one buffer that the entries' strings share:
// a million lines cost one allocation for the text and one for the
// entries.
func ParseXlogDB(r io.Reader, name string) ([]WALEntry, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return parseXlogDB(data, name)
}

func parseXlogDB(data []byte, name string) ([]WALEntry, error) {
	if len(data) == 0 {
		return nil, nil
	}
	text := unsafe.String(&data[0], len(data)) // data is never written again
	out := make([]WALEntry, 0, strings.Count(text, "\n")+1)
	n := 0
	err := eachLine(text, func(line string) error {
		n++
		e, perr := ParseXlogDBLine(line)
		if perr != nil {
			return &ParseError{File: name, Line: n, Msg: perr.Error()}
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// eachLine calls f with each line of text, lines ending at "\n", "\r\n"
// or "\r"; nothing after the last line break is no line.
func eachLine(text string, f func(line string) error) error {
	for text != "" {
		line := text
		i := strings.IndexByte(text, '\n')
		if i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		line = strings.TrimSuffix(line, "\r")
		for {
			j := strings.IndexByte(line, '\r')
			if j < 0 {
				break
			}
			if err := f(line[:j]); err != nil {
				return err
			}
			line = line[j+1:]
		}
		if err := f(line); err != nil {
			return err
		}
	}
	return nil
}

// XlogDBHas reads the xlog.db at path and reports which of names it
// lists, without keeping its lines: what the archiver needs to know of a
// big catalogue for the few files that arrived.
func XlogDBHas(path string, names map[string]bool) (map[string]bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]bool{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read xlog.db: %w", err)
	}
	defer f.Close()
	return scanXlogDBNames(f, path, names)
}

func scanXlogDBNames(r io.Reader, name string, names map[string]bool) (map[string]bool, error) {
	found := map[string]bool{}
	if err := scanXlogDB(r, name, names, func(n string, _ []byte) { found[n] = true }); err != nil {
		return nil, err
	}
	return found, nil
}

// scanXlogDB calls found with each line of xlog.db content whose first
// field is one of names (line is only valid during the call).
func scanXlogDB(r io.Reader, name string, names map[string]bool, found func(n string, line []byte)) error {
	br := bufio.NewReaderSize(r, 1<<16)
	for {
		line, err := br.ReadSlice('\n')
		line = bytes.TrimSuffix(line, []byte{'\n'})
		for {
			cr := bytes.IndexByte(line, '\r') // "\r\n", and old Mac line breaks
			one := line
			if cr >= 0 {
				one = line[:cr]
			}
			if w := firstField(one); len(w) > 0 && names[string(w)] { // no allocation for the lookup
				found(string(w), one)
			}
			if cr < 0 {
				break
			}
			line = line[cr+1:]
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			for errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer: skip its rest
				_, err = br.ReadSlice('\n')
			}
			if err == nil {
				continue
			}
			fallthrough
		case err != nil && !errors.Is(err, io.EOF):
			return fmt.Errorf("read %s: %w", name, err)
		case errors.Is(err, io.EOF):
			return nil
		}
	}
}

// ReadXlogDB reads an xlog.db file.
func ReadXlogDB(path string) ([]WALEntry, error) {
	data, err := os.ReadFile(path) // one allocation of the file's size
	if err != nil {
		return nil, fmt.Errorf("read xlog.db: %w", err)
	}
	return parseXlogDB(data, path)
}

// FormatXlogDB returns the file content for entries.
func FormatXlogDB(entries []WALEntry) []byte {
	var b []byte
	for _, e := range entries {
		b = e.AppendLine(b)
	}
	return b
}

// WriteXlogDB replaces the xlog.db file at path with entries, atomically.
// The caller holds the server's xlogdb lock.
func WriteXlogDB(path string, entries []WALEntry) error {
	return WriteXlogDBSeq(path, slices.Values(entries))
}

// WriteXlogDBSeq is WriteXlogDB for a sequence of entries, streamed out.
func WriteXlogDBSeq(path string, entries iter.Seq[WALEntry]) error {
	return fsutil.WriteAtomic(path, 0o644, func(w io.Writer) error {
		buf := make([]byte, 0, 1<<16)
		for e := range entries {
			buf = e.AppendLine(buf)
			if len(buf) > 1<<16-256 {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
		}
		_, err := w.Write(buf)
		return err
	})
}

// AppendXlogDB appends entries to the xlog.db file at path and fsyncs it;
// when that fails (a full disk), the file keeps the lines it had, none
// cut short. The caller holds the server's xlogdb lock.
func AppendXlogDB(path string, entries ...WALEntry) error {
	return fsutil.AppendSync(path, FormatXlogDB(entries), 0o644)
}

// firstField is the first field of line split as Python's str.split()
// splits it (ParseXlogDBLine's rule).
func firstField(line []byte) []byte {
	start := -1
	for i := 0; i < len(line); {
		r, size := rune(line[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(line[i:])
		}
		switch space := pyIsSpace(r); {
		case space && start >= 0:
			return line[start:i]
		case !space && start < 0:
			start = i
		}
		i += size
	}
	if start < 0 {
		return nil
	}
	return line[start:]
}
