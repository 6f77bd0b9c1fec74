package catalog

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"testing"
)

// xlogDBText returns n xlog.db lines as Barman 3.4 writes them.
func xlogDBText(n int) []byte {
	var b bytes.Buffer
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%08X%08X%08X\t4194304\t%d.4823954\tgzip\n", 1, i/256, i%256, 1795620529+i)
	}
	return b.Bytes()
}

func BenchmarkParseXlogDB(b *testing.B) {
	data := xlogDBText(100000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseXlogDB(bytes.NewReader(data), "xlog.db"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteXlogDB(b *testing.B) {
	entries, _ := ParseXlogDB(bytes.NewReader(xlogDBText(100000)), "xlog.db")
	p := filepath.Join(b.TempDir(), "xlog.db")
	for b.Loop() {
		if err := WriteXlogDB(p, entries); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkXlogDBHas(b *testing.B) {
	data := xlogDBText(100000)
	want := map[string]bool{"000000010000000100000001": true, "nope": true}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := scanXlogDBNames(bytes.NewReader(data), "xlog.db", want); err != nil {
			b.Fatal(err)
		}
	}
}

var _ = io.EOF
