package stream

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"time"
	"unicode/utf8"
)

// Marshal encodes rec as one compact JSON object, without the final
// newline: "type" and "v" first, then the record's fields in declaration
// order, then the "_b64" twins of file names that are not UTF-8. Times are
// written in UTC.
func Marshal(rec Record) ([]byte, error) {
	return appendRecord(nil, rec)
}

func appendRecord(dst []byte, rec Record) ([]byte, error) {
	if u, ok := rec.(*Unknown); ok && u != nil {
		return u.appendTo(dst)
	}
	rv := reflect.ValueOf(rec)
	if rec == nil || rv.IsNil() {
		return dst, errors.New("stream: cannot write a nil record")
	}
	cp := reflect.New(rv.Elem().Type())
	cp.Elem().Set(rv.Elem())
	twins := prepare(cp.Elem())
	body, err := encodeBody(cp.Interface())
	if err != nil {
		return dst, fmt.Errorf("%s: %w", rec.Type(), err)
	}
	// Type names and keys are ASCII identifiers: %q quotes them as JSON.
	dst = fmt.Appendf(dst, `{"type":%q,"v":%d`, rec.Type(), Version)
	if len(body) > 2 {
		dst = append(append(dst, ','), body[1:len(body)-1]...)
	}
	return append(append(dst, twins...), '}'), nil
}

// prepare edits the copy v of a record before encoding: times to UTC, and
// each non-UTF-8 file name moved out to a base64 twin, which it returns as
// JSON members (",\"path_b64\":\"...\"").
func prepare(v reflect.Value) []byte {
	var twins []byte
	for _, f := range fieldsOf(v.Type()) {
		fv := v.Field(f.index)
		switch f.kind {
		case fieldTime:
			fv.Set(reflect.ValueOf(fv.Interface().(time.Time).UTC()))
		case fieldBytes:
			if s := fv.String(); !utf8.ValidString(s) {
				twins = fmt.Appendf(twins, `,%q:"%s"`, twinKey(f.key), base64.StdEncoding.EncodeToString([]byte(s)))
				fv.SetString("")
			}
		}
	}
	return twins
}

// encodeBody is json.Marshal without HTML escaping, so that paths with
// "&" or "<" stay readable.
func encodeBody(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Writer writes records, one per line. It is safe for concurrent use: each
// record is encoded by the calling goroutine and written with a single
// Write call under a mutex, so lines never interleave. Nothing is buffered:
// a record is on its way downstream when Write returns. If the underlying
// writer has a Flush method (bufio.Writer), it is called after every
// record.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write encodes rec and writes it as one line. An error from the
// underlying writer (e.g. a closed pipe) is sticky: every later Write
// returns it. An encoding error only concerns rec.
func (w *Writer) Write(rec Record) error {
	line, err := appendRecord(nil, rec)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if _, err := w.w.Write(line); err != nil {
		w.err = err
		return err
	}
	if f, ok := w.w.(interface{ Flush() error }); ok {
		w.err = f.Flush()
	}
	return w.err
}
