package stream

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
)

// FuzzReader: the Reader never panics, and every record it returns
// re-encodes and decodes to the same value, and re-encodes to the same
// bytes (the encoding is canonical).
func FuzzReader(f *testing.F) {
	if data, err := os.ReadFile(golden); err == nil {
		f.Add(data)
		for line := range bytes.Lines(data) {
			f.Add(line)
		}
	}
	f.Add([]byte(`{"type":"x","v":1,"a":[1,{"b":null}]}` + "\n{bad\n" + `{"type":"summary","statuses":{}}`))
	f.Add([]byte(`{"type":"wal_file","name":"\u0000","path_b64":"/w==","mtime":"9999-12-31T23:59:59-01:00"}`))
	f.Add([]byte(`{"type":"backup_file","mode":511,"PATH":"x","path_b64":null,"link_b64":"gA=="}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data), "fuzz")
		r.SetMaxLineSize(1 << 16)
		for {
			rec, err := r.Read()
			var le *LineError
			switch {
			case err == io.EOF:
				return
			case errors.As(err, &le):
				continue
			case err != nil:
				t.Fatalf("non-line error from an in-memory input: %v", err)
			}
			checkRoundTrip(t, rec)
		}
	})
}

func checkRoundTrip(t *testing.T, rec Record) {
	t.Helper()
	line, err := Marshal(rec)
	if err != nil {
		t.Fatalf("decoded %#v does not encode: %v", rec, err)
	}
	back, err := Unmarshal(line)
	if err != nil {
		t.Fatalf("re-encoded %s does not decode: %v", line, err)
	}
	if !reflect.DeepEqual(back, rec) {
		t.Fatalf("round trip via %s:\n got %#v\nwant %#v", line, back, rec)
	}
	again, err := Marshal(back)
	if err != nil || !bytes.Equal(again, line) {
		t.Fatalf("encoding not stable: %s then %s (%v)", line, again, err)
	}
}
