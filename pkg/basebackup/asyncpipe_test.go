package basebackup

import (
	"bytes"
	"errors"
	"io"
	"math/rand"
	"testing"
)

func TestAsyncPipe(t *testing.T) {
	data := make([]byte, 5*asyncBlock+12345)
	rand.New(rand.NewSource(1)).Read(data)
	p := newAsyncPipe()
	go func() {
		rest := data
		for len(rest) > 0 {
			k := min(len(rest), 32000)
			if _, err := p.Write(rest[:k]); err != nil {
				t.Error(err)
				return
			}
			rest = rest[k:]
		}
		p.CloseWrite(nil)
	}()
	got, err := io.ReadAll(p)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read %d bytes, %v; want %d", len(got), err, len(data))
	}

	// The writer's error reaches the reader after the data.
	p = newAsyncPipe()
	go func() {
		p.Write([]byte("abc"))
		p.CloseWrite(errors.New("connection lost"))
	}()
	got, err = io.ReadAll(p)
	if err == nil || err.Error() != "connection lost" {
		t.Errorf("ReadAll = %q, %v; want the writer's error", got, err)
	}

	// A reader that stops makes the writer fail, even when the queue is full.
	p = newAsyncPipe()
	p.CloseRead(errors.New("disk full"))
	var werr error
	for i := 0; i < asyncDepth+4 && werr == nil; i++ {
		_, werr = p.Write(make([]byte, asyncBlock))
	}
	if werr == nil || werr.Error() != "disk full" {
		t.Errorf("Write after CloseRead: %v", werr)
	}
}
