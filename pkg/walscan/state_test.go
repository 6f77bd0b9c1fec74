package walscan

import (
	"reflect"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/walname"
)

func TestNewScannerSize(t *testing.T) {
	for _, size := range []uint64{0, 8192, 3 << 20, 2 << 30} {
		if _, err := NewScanner(size); err == nil {
			t.Errorf("NewScanner(%d) accepted an invalid segment size", size)
		}
	}
}

func TestFeedErrors(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		change func(seg []byte) []byte
		want   string
	}{
		{"page address of another segment", "000000010000000000000002", nil,
			"WAL segment 000000010000000000000002: first page has the address 0/100000, not 0/200000"},
		{"another timeline above the name's", "000000010000000000000001",
			func(seg []byte) []byte { le.PutUint32(seg[4:], 2); return seg }, "timeline 2"},
		{"truncated", "000000010000000000000001",
			func(seg []byte) []byte { return seg[:len(seg)-1] }, "has 1048575 bytes, want 1048576"},
		{"not a segment name", "00000001.history", nil, "history file, not a WAL segment"},
		{"not a WAL name", "xlog.db", nil, `"xlog.db": not a WAL file name`},
		{"PostgreSQL 16 WAL", "000000010000000000000001",
			func(seg []byte) []byte { le.PutUint16(seg, 0xD113); return seg }, "PostgreSQL 15 WAL only"},
		{"no long header", "000000010000000000000001",
			func(seg []byte) []byte { seg[2] = 0; return seg }, "not a segment's long header"},
		{"other segment size", "000000010000000000000001",
			func(seg []byte) []byte { le.PutUint32(seg[32:], 16<<20); return seg }, "16777216-byte segments"},
		{"other page size", "000000010000000000000001",
			func(seg []byte) []byte { le.PutUint32(seg[36:], 16384); return seg }, "16384-byte WAL pages"},
		{"zeros", "000000010000000000000001",
			func(seg []byte) []byte { return make([]byte, len(seg)) }, "magic 0x0000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(t, 1)
			b.add(xactRec(xactCommit, 10, at(1)))
			seg := b.segment(0)
			if tt.change != nil {
				seg = tt.change(seg)
			}
			s, _ := NewScanner(testSegSize)
			evs, err := s.Feed(tt.file, seg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || evs != nil {
				t.Errorf("Feed(%s) = %v, %v; want an error with %q", tt.file, evs, err, tt.want)
			}
		})
	}
}

func TestFeedOtherSystem(t *testing.T) {
	b := newBuilder(t, 2)
	b.add(xactRec(xactCommit, 10, at(1)))
	b.pos = testSegSize
	b.add(xactRec(xactCommit, 11, at(2)))
	le.PutUint64(b.buf[testSegSize+24:], 8)
	s, _ := NewScanner(testSegSize)
	if _, err := s.Feed(b.name(0), b.segment(0)); err != nil {
		t.Fatal(err)
	}
	_, err := s.Feed(b.name(1), b.segment(1))
	if err == nil || !strings.Contains(err.Error(), "database system 8, not 7") {
		t.Errorf("Feed of another system's segment: %v", err)
	}
}

// resetWAL is three segments, each with a commit, then a record that
// continues in the next one.
func resetWAL(t *testing.T) (*walBuilder, []Event) {
	b := newBuilder(t, 3)
	var evs []Event
	for i := range 3 {
		evs = append(evs, commitAt(b, uint32(10+i), i))
		if i < 2 {
			b.fillTo((i+1)*testSegSize - 48)
			evs = append(evs, commitAt(b, uint32(20+i), 10+i, make([]byte, 300)...))
		}
	}
	return b, evs
}

func TestFeedResets(t *testing.T) {
	b, evs := resetWAL(t)
	bad := append([]byte(nil), b.segment(1)...)
	le.PutUint16(bad, 0)
	tests := []struct {
		name  string
		order []int // segments fed; -1 is a segment that fails
		want  [][]Event
	}{
		{"in order", []int{0, 1, 2}, [][]Event{{evs[0]}, {evs[1], evs[2]}, {evs[3], evs[4]}}},
		{"gap", []int{0, 2}, [][]Event{{evs[0]}, {evs[4]}}},
		{"backwards", []int{1, 0}, [][]Event{{evs[2]}, {evs[0]}}},
		{"same twice", []int{0, 0}, [][]Event{{evs[0]}, {evs[0]}}},
		{"after a failure", []int{0, -1, 1}, [][]Event{{evs[0]}, nil, {evs[2]}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := NewScanner(testSegSize)
			for i, n := range tt.order {
				name, seg := b.name(1), bad
				if n >= 0 {
					name, seg = b.name(n), b.segment(n)
				}
				got, err := s.Feed(name, seg)
				if (err != nil) != (n < 0) {
					t.Fatalf("Feed(%s): %v", name, err)
				}
				if (len(got) != 0 || len(tt.want[i]) != 0) && !reflect.DeepEqual(got, tt.want[i]) {
					t.Errorf("Feed #%d (%s):\n got %+v\nwant %+v", i, name, got, tt.want[i])
				}
			}
		})
	}
}

func TestMaxXIDAndLastRecord(t *testing.T) {
	tests := []struct {
		name string
		xids []uint32
		want uint32
	}{
		{"none", []uint32{0, 0}, 0},
		{"special xids do not count", []uint32{1, 2}, 0},
		{"highest", []uint32{5, 100, 7, 0}, 100},
		{"wraparound", []uint32{0xFFFFFFF0, 0xFFFFFFFF, 3, 10, 0xFFFFFFF5}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(t, 1)
			var lsn, end walname.LSN
			for _, x := range tt.xids {
				lsn, end = b.add(rec(10, 0, x, nil, nil, []byte{1}))
			}
			s, _ := NewScanner(testSegSize)
			if _, err := s.Feed(b.name(0), b.segment(0)); err != nil {
				t.Fatal(err)
			}
			if s.MaxXID() != tt.want {
				t.Errorf("MaxXID() = %d, want %d", s.MaxXID(), tt.want)
			}
			if l, e := s.LastRecord(); l != lsn || e != end {
				t.Errorf("LastRecord() = %s, %s; want %s, %s", l, e, lsn, end)
			}
		})
	}
}

// TestLastRecordSwitch: a WAL switch ends at the end of its segment, as
// PostgreSQL's EndRecPtr says.
func TestLastRecordSwitch(t *testing.T) {
	b := newBuilder(t, 1)
	lsn, _ := b.add(rec(rmXLOG, xlogSwitch, 0, nil, nil, nil))
	s, _ := NewScanner(testSegSize)
	if _, err := s.Feed(b.name(0), b.segment(0)); err != nil {
		t.Fatal(err)
	}
	if l, e := s.LastRecord(); l != lsn || e != 2*testSegSize || s.EndOfWAL() != nil {
		t.Errorf("LastRecord() = %s, %s, EndOfWAL() = %v; want %s, 0/200000, nil", l, e, s.EndOfWAL(), lsn)
	}
}
