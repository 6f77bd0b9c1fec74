package fsutil

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// copyDirect writes exactly the source's bytes, whatever the size relative
// to the block and buffer sizes, with O_DIRECT on or off, and feeds the
// same bytes to the checksum writer.
func TestCopyDirect(t *testing.T) {
	dir := t.TempDir()
	buf := AlignedBuffer(4 * DirectAlign)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{0, 1, DirectAlign - 1, DirectAlign, DirectAlign + 1, 4 * DirectAlign, 4*DirectAlign + 7, 9*DirectAlign + 123} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.Uint32())
		}
		for _, tryDirect := range []bool{true, false} {
			p := filepath.Join(dir, "f")
			var f *os.File
			var direct bool
			var err error
			if tryDirect {
				f, direct, err = OpenDirect(p, 0o600)
			} else {
				f, err = os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			n, err := CopyDirect(f, direct, bytes.NewReader(data), h, buf)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil || n != int64(size) {
				t.Fatalf("size %d direct %v: wrote %d, %v", size, direct, n, err)
			}
			got, _ := os.ReadFile(p)
			want := sha256.Sum256(data)
			if !bytes.Equal(got, data) || !bytes.Equal(h.Sum(nil), want[:]) {
				t.Errorf("size %d direct %v: the copy or its checksum differs", size, direct)
			}
		}
	}
}

func TestAlignedBuffer(t *testing.T) {
	for range 10 {
		b := AlignedBuffer(CopyBufSize)
		if len(b) != CopyBufSize || cap(b) != CopyBufSize || addr(b)%DirectAlign != 0 {
			t.Fatalf("len %d cap %d address %#x", len(b), cap(b), addr(b))
		}
	}
}

// WriteDirect writes exactly data, aligned or not.
func TestWriteDirect(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	buf := AlignedBuffer(3*DirectAlign + 10)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	for _, data := range [][]byte{buf, buf[1:], buf[:2*DirectAlign], buf[:0]} {
		if err := WriteDirect(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
			t.Errorf("%d bytes: the file differs", len(data))
		}
	}
}

// GrowPipe raises a pipe's capacity, from either end, including the ends
// exec.Cmd hands out; other files are left alone.
func TestGrowPipe(t *testing.T) {
	capacity := func(f *os.File) int {
		n, err := unix.FcntlInt(f.Fd(), unix.F_GETPIPE_SZ, 0)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	before := capacity(r)
	GrowPipe(w)
	if got := capacity(r); got != PipeSize || before >= PipeSize {
		t.Errorf("capacity %d -> %d, want %d", before, got, PipeSize)
	}
	cmd := exec.Command("cat")
	in, _ := cmd.StdinPipe()
	out, _ := cmd.StdoutPipe()
	GrowPipe(in)
	GrowPipe(out)
	if got := capacity(out.(*os.File)); got != PipeSize {
		t.Errorf("exec stdout pipe capacity %d", got)
	}
	f, _ := os.Create(filepath.Join(t.TempDir(), "f"))
	defer f.Close()
	GrowPipe(f)      // not a pipe: nothing happens
	GrowPipe("text") // not a file either
}

func TestCopyDirectOverlapped(t *testing.T) {
	dir := t.TempDir()
	for _, size := range []int{0, 1, DirectAlign, 64 << 10, 3*(64<<10) + 5} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(i * 7)
		}
		p := filepath.Join(dir, "f")
		f, direct, err := OpenDirect(p, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		n, err := CopyDirectOverlapped(f, direct, bytes.NewReader(data), h, [2][]byte{AlignedBuffer(64 << 10), AlignedBuffer(64 << 10)})
		f.Close()
		got, _ := os.ReadFile(p)
		want := sha256.Sum256(data)
		if err != nil || n != int64(size) || !bytes.Equal(got, data) || !bytes.Equal(h.Sum(nil), want[:]) {
			t.Fatalf("size %d: copied %d, %v; file %d bytes; hash matches %v", size, n, err, len(got), bytes.Equal(h.Sum(nil), want[:]))
		}
	}
}
