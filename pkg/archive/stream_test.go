package archive

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/walstream"
)

// serve runs ServeStream on the wire bytes and returns its answers.
func serve(t *testing.T, f *fixture, wire []byte) ([]walstream.Ack, error) {
	t.Helper()
	var out bytes.Buffer
	err := f.a.ServeStream(context.Background(), bytes.NewReader(wire), &out)
	br := bufio.NewReader(&out)
	if gerr := walstream.ReadGreeting(br); gerr != nil {
		t.Fatal(gerr)
	}
	var acks []walstream.Ack
	for {
		a, rerr := walstream.ReadAck(br)
		if rerr != nil {
			break
		}
		acks = append(acks, a)
	}
	return acks, err
}

func TestServeStream(t *testing.T) {
	f := newFixture(t)
	var wire bytes.Buffer
	s, _ := walstream.NewSender(&wire, compress.Zstd, 1)
	want := map[string][]byte{}
	var names []string
	for i := 1; i <= 5; i++ {
		n := fmt.Sprintf("0000000100000000000000%02X", i)
		want[n] = segment(t, n, 42, byte(i))
		names = append(names, n)
		if err := s.File(n, bytes.NewReader(want[n]), int64(len(want[n]))); err != nil {
			t.Fatal(err)
		}
	}
	s.End()
	stream := wire.Bytes()
	acks, err := serve(t, f, stream)
	if err != nil {
		t.Fatal(err)
	}
	if len(acks) != len(names) {
		t.Fatalf("%d answers for %d files: %+v", len(acks), len(names), acks)
	}
	for i, a := range acks {
		if a.Name != names[i] || a.Err != "" {
			t.Errorf("answer %d: %+v, want ok %s", i, a, names[i])
		}
		got, _ := os.ReadFile(filepath.Join(f.incoming, names[i]))
		if !bytes.Equal(got, want[names[i]]) {
			t.Errorf("%s differs in incoming/", names[i])
		}
	}
	// Sent again (a worker killed before it wrote its status files):
	// identical copies are acknowledged and nothing goes to errors/.
	if acks, err := serve(t, f, stream); err != nil || len(acks) != len(names) || acks[4].Err != "" {
		t.Errorf("identical resend: %+v %v", acks, err)
	}
	if ents, _ := os.ReadDir(f.a.Layout.ErrorsDir()); len(ents) != 0 {
		t.Errorf("errors/ holds %d files after an identical resend", len(ents))
	}
}

// A damaged file is refused with an error answer; what was whole before
// it is kept and acknowledged; nothing half-written stays.
func TestServeStreamFaults(t *testing.T) {
	good, bad := "000000010000000000000007", "000000010000000000000008"
	data := map[string][]byte{}
	var wire bytes.Buffer
	s, _ := walstream.NewSender(&wire, compress.None, 0)
	for _, n := range []string{good, bad} {
		data[n] = segment(t, n, 42, 7)
		s.File(n, bytes.NewReader(data[n]), int64(len(data[n])))
	}
	stream := wire.Bytes()
	// Flip a byte of the second file's content (after its header).
	damaged := append([]byte(nil), stream...)
	at := bytes.Index(damaged, []byte("file "+bad))
	damaged[at+4096] ^= 0x01

	for _, tc := range []struct {
		name string
		wire []byte
		want string
	}{
		{"damaged", damaged, "checksum mismatch"},
		{"cut", stream[:at+5000], "cut off"},
		{"not a WAL name", []byte("file nonsense 0 none\n0\ncrc32c 00000000\n"), "not a WAL file name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			acks, err := serve(t, f, tc.wire)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
			last := acks[len(acks)-1]
			if last.Err == "" || !strings.Contains(last.Err, tc.want) {
				t.Errorf("last answer %+v, want an error with %q", last, tc.want)
			}
			ents, _ := os.ReadDir(f.incoming)
			for _, e := range ents {
				if e.Name() != good {
					t.Errorf("incoming/ holds %s", e.Name())
				}
			}
			if tc.name != "not a WAL name" {
				if len(acks) != 2 || acks[0] != (walstream.Ack{Name: good}) {
					t.Errorf("answers %+v, want ok for %s first", acks, good)
				}
				if got, _ := os.ReadFile(filepath.Join(f.incoming, good)); !bytes.Equal(got, data[good]) {
					t.Errorf("%s not kept whole", good)
				}
			}
		})
	}
}
