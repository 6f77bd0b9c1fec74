package stream

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// MaxLineSize is the default limit on the length of one record line.
const MaxLineSize = 16 << 20

// LineError is a line of input that is not a valid record. The Reader has
// already moved past it.
type LineError struct {
	Input string // input name, e.g. "<stdin>"
	Line  int    // 1-based line number
	Err   error
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %v", e.Input, e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// Reader reads records, one per line. Framing is by line rather than by a
// single json.Decoder over the whole input: a decoder cannot resume after a
// syntax error, while a line can simply be skipped and reported with its
// number. Each line is then decoded with encoding/json. A Reader is not
// safe for concurrent use.
type Reader struct {
	br    *bufio.Reader
	name  string
	line  int
	max   int
	buf   []byte
	errs  int
	ioErr error
}

// NewReader returns a Reader of r. name labels errors: "<stdin>" or a file
// name.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{br: bufio.NewReader(r), name: name, max: MaxLineSize}
}

// SetMaxLineSize changes the longest line accepted (MaxLineSize by
// default). A longer line is skipped and reported as a *LineError.
func (r *Reader) SetMaxLineSize(n int) { r.max = n }

// Line returns the number of the last line read.
func (r *Reader) Line() int { return r.line }

// Errors returns how many *LineError the Reader has returned so far.
func (r *Reader) Errors() int { return r.errs }

// Read returns the next record, skipping blank lines. At the end of input
// it returns io.EOF. A line that is not a valid record gives a *LineError;
// call Read again to go on with the next line. Any other error (a failed
// read) is final and returned again by later calls.
func (r *Reader) Read() (Record, error) {
	for {
		line, tooLong, err := r.readLine()
		if err != nil {
			return nil, err
		}
		if tooLong {
			return nil, r.lineError(fmt.Errorf("line longer than %d bytes", r.max))
		}
		if len(trimSpace(line)) == 0 {
			continue
		}
		rec, err := Unmarshal(line)
		if err != nil {
			return nil, r.lineError(err)
		}
		return rec, nil
	}
}

func (r *Reader) lineError(err error) error {
	r.errs++
	return &LineError{Input: r.name, Line: r.line, Err: err}
}

// readLine reads one line into r.buf, keeping at most r.max bytes; the
// rest of a longer line is read and dropped. The last line may lack its
// newline.
func (r *Reader) readLine() (line []byte, tooLong bool, err error) {
	if r.ioErr != nil {
		return nil, false, r.ioErr
	}
	r.buf = r.buf[:0]
	n := 0
	for {
		chunk, err := r.br.ReadSlice('\n')
		n += len(chunk)
		if !tooLong && n <= r.max {
			r.buf = append(r.buf, chunk...)
		} else {
			tooLong = true
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case err == io.EOF && n == 0:
			r.ioErr = io.EOF
			return nil, false, io.EOF
		case err != nil && err != io.EOF:
			r.ioErr = fmt.Errorf("%s: %w", r.name, err)
			return nil, false, r.ioErr
		}
		r.line++
		return r.buf, tooLong, nil
	}
}
