package fsutil

import (
	"bytes"
	"errors"
	"io"
	"os"
)

// SameContent reads a and b to their end (or to the first difference)
// and tells whether they hold the same bytes.
func SameContent(a, b io.Reader) (bool, error) {
	bufA, bufB := make([]byte, 64<<10), make([]byte, 64<<10)
	for {
		na, errA := io.ReadFull(a, bufA)
		nb, errB := io.ReadFull(b, bufB)
		if err := readError(errA); err != nil {
			return false, err
		}
		if err := readError(errB); err != nil {
			return false, err
		}
		if na != nb || !bytes.Equal(bufA[:na], bufB[:nb]) {
			return false, nil
		}
		if errA != nil { // both ended here
			return true, nil
		}
	}
}

// SameFiles is SameContent for two files.
func SameFiles(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	return SameContent(fa, fb)
}

// readError is err unless it only says that a reader ended.
func readError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil
	}
	return err
}
