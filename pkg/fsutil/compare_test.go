package fsutil

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSameContent(t *testing.T) {
	big := bytes.Repeat([]byte("wal"), 50000) // over one 64 KiB buffer
	other := append([]byte(nil), big...)
	other[len(other)-1] ^= 1
	for _, tc := range []struct {
		name string
		a, b []byte
		want bool
	}{
		{"equal", big, big, true},
		{"empty", nil, nil, true},
		{"last byte", big, other, false},
		{"prefix", big, big[:len(big)-1], false},
		{"longer", big[:65536], big, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := SameContent(bytes.NewReader(tc.a), bytes.NewReader(tc.b))
			if err != nil || got != tc.want {
				t.Errorf("got %v %v, want %v", got, err, tc.want)
			}
		})
	}
	boom := errors.New("boom")
	if _, err := SameContent(strings.NewReader("x"), io.MultiReader(strings.NewReader("x"), iotestErr{boom})); !errors.Is(err, boom) {
		t.Errorf("read error: %v", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), big, 0o600)
	os.WriteFile(filepath.Join(dir, "b"), big, 0o600)
	os.WriteFile(filepath.Join(dir, "c"), other, 0o600)
	if same, err := SameFiles(filepath.Join(dir, "a"), filepath.Join(dir, "b")); !same || err != nil {
		t.Errorf("a, b: %v %v", same, err)
	}
	if same, err := SameFiles(filepath.Join(dir, "a"), filepath.Join(dir, "c")); same || err != nil {
		t.Errorf("a, c: %v %v", same, err)
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }
