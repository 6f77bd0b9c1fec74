package walname

import (
	"slices"
	"testing"
)

func TestCheckSegmentSize(t *testing.T) {
	for _, ok := range []uint64{1 << 20, 16 << 20, 64 << 20, 1 << 30} {
		if err := CheckSegmentSize(ok); err != nil {
			t.Errorf("CheckSegmentSize(%d) = %v", ok, err)
		}
	}
	for _, bad := range []uint64{0, 1, 8192, 1<<20 - 1, 3 << 20, 1 << 31, 1 << 32} {
		if err := CheckSegmentSize(bad); err == nil {
			t.Errorf("CheckSegmentSize(%d) = nil, want an error", bad)
		}
	}
	if got := SegmentsPerLog(DefaultSegmentSize); got != 256 {
		t.Errorf("SegmentsPerLog(16 MiB) = %d", got)
	}
}

func TestSegmentOf(t *testing.T) {
	tests := []struct {
		tli  uint32
		lsn  string
		size uint64
		want string
		off  uint64
	}{
		{1, "0/6000028", DefaultSegmentSize, "000000010000000000000006", 0x28},
		{1, "0/7000000", DefaultSegmentSize, "000000010000000000000007", 0},
		{2, "2/82000168", DefaultSegmentSize, "000000020000000200000082", 0x168},
		{1, "0/FFFFFFFF", DefaultSegmentSize, "0000000100000000000000FF", 0xFFFFFF},
		{1, "1/6000028", 64 << 20, "000000010000000100000001", 0x2000028},
		{3, "0/40000000", 1 << 30, "000000030000000000000001", 0},
	}
	for _, tt := range tests {
		lsn, _ := ParseLSN(tt.lsn)
		n, off, err := SegmentOf(tt.tli, lsn, tt.size)
		if err != nil || n.String() != tt.want || off != tt.off {
			t.Errorf("SegmentOf(%d, %s, %d) = %s, %#x, %v; want %s, %#x", tt.tli, tt.lsn, tt.size, n, off, err, tt.want, tt.off)
		}
		start, err := n.StartLSN(tt.size)
		if err != nil || uint64(start)+off != uint64(lsn) {
			t.Errorf("StartLSN(%s) = %v, %v", n, start, err)
		}
	}
	if _, _, err := SegmentOf(1, 0, 12345); err == nil {
		t.Error("SegmentOf with a bad size: no error")
	}
}

func TestNext(t *testing.T) {
	tests := []struct {
		name string
		size uint64
		want string
	}{
		{"000000010000000000000006", DefaultSegmentSize, "000000010000000000000007"},
		{"0000000100000000000000FF", DefaultSegmentSize, "000000010000000100000000"},
		{"000000010000000000000006.00000028.backup", DefaultSegmentSize, "000000010000000000000007"},
		{"00000001000000000000000E.partial", DefaultSegmentSize, "00000001000000000000000F"},
		{"000000010000000000000003", 1 << 30, "000000010000000100000000"},
		{"000000010000000000000FFF", 1 << 20, "000000010000000100000000"},
	}
	for _, tt := range tests {
		n, _ := Parse(tt.name)
		got, err := n.Next(tt.size)
		if err != nil || got.String() != tt.want {
			t.Errorf("Next(%s, %d) = %s, %v; want %s", tt.name, tt.size, got, err, tt.want)
		}
	}
}

func TestNextErrors(t *testing.T) {
	for _, tt := range []struct {
		name string
		size uint64
	}{
		{"000000010000000000000100", DefaultSegmentSize},
		{"00000001FFFFFFFF000000FF", DefaultSegmentSize},
		{"00000002.history", DefaultSegmentSize},
		{"000000010000000000000001", 0},
	} {
		n, _ := parse(tt.name)
		if got, err := n.Next(tt.size); err == nil {
			t.Errorf("Next(%q, %d) = %s, want an error", tt.name, tt.size, got)
		}
	}
}

func TestBetween(t *testing.T) {
	b, _ := Parse("0000000100000000000000FE.00000028.backup")
	e, _ := Parse("000000010000000100000001")
	seq, err := Between(b, e, DefaultSegmentSize)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for n := range seq {
		got = append(got, n.String())
	}
	want := []string{"0000000100000000000000FE", "0000000100000000000000FF", "000000010000000100000000", "000000010000000100000001"}
	if !slices.Equal(got, want) {
		t.Errorf("Between = %q, want %q", got, want)
	}
	for range seq {
		break // stopping early must not panic
	}
	other, _ := Parse("000000020000000100000001")
	if _, err := Between(b, other, DefaultSegmentSize); err == nil {
		t.Error("Between across timelines: no error")
	}
	if _, err := Between(e, b, DefaultSegmentSize); err == nil {
		t.Error("Between backwards: no error")
	}
}
