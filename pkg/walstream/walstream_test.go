package walstream

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math/rand"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/compress"
)

// files are what the tests send: compressible, random and empty content.
func files() map[string][]byte {
	rnd := rand.New(rand.NewSource(1))
	random := make([]byte, 1<<20+17)
	rnd.Read(random)
	return map[string][]byte{
		"000000010000000000000001":                 bytes.Repeat([]byte("pgbench row "), 200000),
		"000000010000000000000002":                 random,
		"00000002.history":                         {},
		"000000010000000000000003.00000028.backup": []byte("START WAL LOCATION: 0/3000028\n"),
	}
}

var order = []string{"000000010000000000000001", "000000010000000000000002", "00000002.history", "000000010000000000000003.00000028.backup"}

func TestRoundTrip(t *testing.T) {
	for _, algo := range Algorithms {
		t.Run(algo, func(t *testing.T) {
			level, _ := compress.ParseLevel("low", algo)
			var wire bytes.Buffer
			s, err := NewSender(&wire, algo, level)
			if err != nil {
				t.Fatal(err)
			}
			fs := files()
			for _, n := range order {
				if err := s.File(n, bytes.NewReader(fs[n]), int64(len(fs[n]))); err != nil {
					t.Fatal(err)
				}
			}
			s.End()
			if algo == compress.Zstd && wire.Len() > len(fs[order[0]])+len(fs[order[1]])+1<<20 {
				t.Errorf("zstd stream is %d bytes: not compressed?", wire.Len())
			}
			rv := NewReceiver(&wire)
			for _, n := range order {
				in, err := rv.Next()
				if err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				if in.Name != n || in.Size != int64(len(fs[n])) || in.Algo != algo {
					t.Fatalf("header %+v, want %s %d %s", in, n, len(fs[n]), algo)
				}
				h := NewChecksum()
				got, err := io.ReadAll(io.TeeReader(in.Body, h))
				if err != nil {
					t.Fatal(err)
				}
				sum, err := in.Finish()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, fs[n]) || sum != hex.EncodeToString(h.Sum(nil)) {
					t.Errorf("%s: %d bytes, checksum %s; want %d bytes", n, len(got), sum, len(fs[n]))
				}
			}
			if _, err := rv.Next(); !errors.Is(err, io.EOF) {
				t.Errorf("after end: %v, want io.EOF", err)
			}
		})
	}
}

// A stream cut anywhere fails the file being received; it never passes
// for a whole one.
func TestCutStream(t *testing.T) {
	var wire bytes.Buffer
	s, _ := NewSender(&wire, compress.Zstd, 1)
	data := files()[order[1]]
	s.File(order[1], bytes.NewReader(data), int64(len(data)))
	full := wire.Bytes()
	for _, cut := range []int{10, 40, 1000, len(full) / 2, len(full) - 12, len(full) - 1} {
		rv := NewReceiver(bytes.NewReader(full[:cut]))
		in, err := rv.Next()
		if err != nil {
			continue // cut inside the header: refused there
		}
		_, rerr := io.Copy(io.Discard, in.Body)
		_, ferr := in.Finish()
		if rerr == nil && ferr == nil {
			t.Errorf("stream cut at %d of %d bytes was accepted", cut, len(full))
		}
	}
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct{ name, wire, want string }{
		{"garbage", "hello\n", "expected a file header"},
		{"path", "file ../x 3 none\n", "bad file name"},
		{"algo", "file 000000010000000000000001 3 rot13\n", "unknown compression"},
		{"size", "file 000000010000000000000001 -3 none\n", "bad size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReceiver(strings.NewReader(tc.wire)).Next()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	// More bytes than announced, and a missing checksum line.
	for _, tc := range []struct{ name, wire, want string }{
		{"longer", "file 000000010000000000000001 2 none\n3\nabc0\ncrc32c 00000000\n", "announced 2"},
		{"no checksum", "file 000000010000000000000001 3 none\n3\nabc0\n", "no checksum"},
		{"bad chunk", "file 000000010000000000000001 3 none\nzz\nabc", "bad chunk length"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in, err := NewReceiver(strings.NewReader(tc.wire)).Next()
			if err != nil {
				t.Fatal(err)
			}
			_, rerr := io.Copy(io.Discard, in.Body)
			_, err = in.Finish()
			if err == nil {
				err = rerr
			}
			if rerr != nil {
				err = rerr
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAcks(t *testing.T) {
	var b bytes.Buffer
	b.WriteString(Greeting + "\n")
	WriteOK(&b, "000000010000000000000001")
	WriteError(&b, "000000010000000000000002", "disk\nfull")
	br := bufio.NewReader(&b)
	if err := ReadGreeting(br); err != nil {
		t.Fatal(err)
	}
	a, err := ReadAck(br)
	if err != nil || a != (Ack{Name: "000000010000000000000001"}) {
		t.Errorf("ok: %+v %v", a, err)
	}
	a, err = ReadAck(br)
	if err != nil || a != (Ack{Name: "000000010000000000000002", Err: "disk full"}) {
		t.Errorf("error: %+v %v", a, err)
	}
	if _, err := ReadAck(br); !errors.Is(err, io.EOF) {
		t.Errorf("end: %v", err)
	}
	if err := ReadGreeting(bufio.NewReader(strings.NewReader("barman: error: unrecognized arguments: --stream\n"))); err == nil {
		t.Error("a foreign greeting was accepted")
	}
}
