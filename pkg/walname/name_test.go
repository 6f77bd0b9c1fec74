package walname

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		want Name
		hash string
	}{
		{"000000010000000000000006", Name{Kind: Segment, Timeline: 1, Seg: 6}, "0000000100000000"},
		{"00000002000000AB000000FF", Name{Kind: Segment, Timeline: 2, Log: 0xAB, Seg: 0xFF}, "00000002000000AB"},
		{"FFFFFFFFFFFFFFFFFFFFFFFF", Name{Kind: Segment, Timeline: ^uint32(0), Log: ^uint32(0), Seg: ^uint32(0)}, "FFFFFFFFFFFFFFFF"},
		{"000000010000000000000006.00000028.backup", Name{Kind: BackupLabel, Timeline: 1, Seg: 6, Offset: 0x28}, "0000000100000000"},
		{"00000001000000000000000E.partial", Name{Kind: Partial, Timeline: 1, Seg: 0xE}, "0000000100000000"},
		{"00000002.history", Name{Kind: History, Timeline: 2}, ""},
	}
	for _, tt := range tests {
		got, err := Parse(tt.name)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
		if s := got.String(); s != tt.name {
			t.Errorf("Parse(%q).String() = %q", tt.name, s)
		}
		if h := HashDir(tt.name); h != tt.hash {
			t.Errorf("HashDir(%q) = %q, want %q", tt.name, h, tt.hash)
		}
		if k := Classify(tt.name); k != tt.want.Kind {
			t.Errorf("Classify(%q) = %v, want %v", tt.name, k, tt.want.Kind)
		}
	}
}

func TestParseUnknown(t *testing.T) {
	for _, name := range []string{
		"", "00000001", "0000000100000000000000", "0000000100000000000000060",
		"00000001000000000000000a", "000000010000000000000006.partia",
		"000000010000000000000006.0000002.backup", "000000010000000000000006.0000002G.backup",
		"000000010000000000000006.00000028.backupx", "00000002.History", "0000000g.history",
		"xlog.db", "00000002.history.gz", "000000010000000000000006.gz", "/000000010000000000000006",
		"+0000001.history", "000000010000000000000006.00000028XBACKUP",
	} {
		n, err := Parse(name)
		if !errors.Is(err, ErrNotWAL) || n != (Name{}) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrNotWAL", name, n, err)
		}
		if Classify(name) != Unknown || HashDir(name) != "" {
			t.Errorf("Classify/HashDir(%q) not unknown", name)
		}
	}
}

func TestNameHelpers(t *testing.T) {
	if got := SegmentName(1, 2, 3); got != "000000010000000200000003" {
		t.Errorf("SegmentName = %q", got)
	}
	if got := HistoryName(0x1A); got != "0000001A.history" {
		t.Errorf("HistoryName = %q", got)
	}
	n, _ := Parse("000000010000000000000006.00000028.backup")
	if got := n.Segment().String(); got != "000000010000000000000006" {
		t.Errorf("Segment() = %q", got)
	}
	if got := (Name{}).String(); got != "" {
		t.Errorf("Unknown String() = %q", got)
	}
	if got := Kind(9).String(); got != "Kind(9)" {
		t.Errorf("Kind(9).String() = %q", got)
	}
}

func TestCompare(t *testing.T) {
	sorted := []string{
		"",
		"00000001.history",
		"000000010000000000000006",
		"000000010000000000000006.00000028.backup",
		"000000010000000000000006.000000F0.backup",
		"000000010000000000000006.partial",
		"000000010000000000000007",
		"000000010000000100000000",
		"00000002.history",
		"000000020000000000000001",
	}
	for i, a := range sorted {
		for j, b := range sorted {
			na, _ := parse(a)
			nb, _ := parse(b)
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := Compare(na, nb); got != want {
				t.Errorf("Compare(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	}
}
