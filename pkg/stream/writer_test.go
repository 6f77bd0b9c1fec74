package stream

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestWriterConcurrent(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				name := fmt.Sprintf("%08X%016X", g+1, i)
				if err := w.Write(&WALFile{Name: name, Size: int64(i)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	recs := readAll(t, buf.Bytes())
	if len(recs) != 800 {
		t.Fatalf("%d records, want 800", len(recs))
	}
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("broken pipe")
	}
	f.n--
	return len(p), nil
}

func TestWriterErrorIsSticky(t *testing.T) {
	w := NewWriter(&failingWriter{n: 1})
	rec := &Summary{Stage: "x"}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := w.Write(rec); err == nil || err.Error() != "broken pipe" {
			t.Fatalf("got %v", err)
		}
	}
}

func TestWriterEncodingErrorIsNotSticky(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.Write(&BackupFile{Mode: 0o17777}); err == nil {
		t.Fatal("bad mode written")
	}
	if err := w.Write(&Summary{Stage: "x"}); err != nil || buf.Len() == 0 {
		t.Fatalf("after encoding error: %v", err)
	}
}

func TestWriterFlushesEachRecord(t *testing.T) {
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 64<<10)
	w := NewWriter(bw)
	_ = w.Write(&Summary{Stage: "a"})
	if !strings.HasSuffix(out.String(), "\n") || strings.Count(out.String(), "\n") != 1 {
		t.Errorf("record not flushed: %q", out.String())
	}
}
