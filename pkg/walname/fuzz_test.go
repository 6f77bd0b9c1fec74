package walname

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"000000010000000000000006", "000000010000000000000006.00000028.backup",
		"00000001000000000000000E.partial", "00000002.history", "xlog.db", "",
	} {
		f.Add(s, "00000001000000000000000A")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		na, err := Parse(a)
		if err != nil {
			if !errors.Is(err, ErrNotWAL) || Classify(a) != Unknown || HashDir(a) != "" {
				t.Fatalf("inconsistent failure for %q: %v", a, err)
			}
			return
		}
		if na.String() != a {
			t.Fatalf("Parse(%q).String() = %q", a, na.String())
		}
		if h := na.HashDir(); h != "" && !strings.HasPrefix(a, h) {
			t.Fatalf("HashDir(%q) = %q", a, h)
		}
		if nb, err := Parse(b); err == nil {
			if got, want := Compare(na, nb), strings.Compare(a, b); got != want {
				t.Fatalf("Compare(%q, %q) = %d, want %d", a, b, got, want)
			}
		}
	})
}

func FuzzLSN(f *testing.F) {
	for _, s := range []string{"0/6000028", "16/b374d848", "FFFFFFFF/FFFFFFFF", "0/0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLSN(s)
		if err != nil {
			return
		}
		back, err := ParseLSN(l.String())
		if err != nil || back != l {
			t.Fatalf("ParseLSN(%q) = %v, round trip %v, %v", s, l, back, err)
		}
	})
}

func FuzzSegmentOf(f *testing.F) {
	f.Add(uint32(1), uint64(0x6000028), uint8(24))
	f.Add(uint32(2), ^uint64(0), uint8(20))
	f.Fuzz(func(t *testing.T, tli uint32, lsn uint64, shift uint8) {
		size := uint64(1) << (20 + shift%11)
		n, off, err := SegmentOf(tli, LSN(lsn), size)
		if err != nil {
			t.Fatal(err)
		}
		start, err := n.StartLSN(size)
		if err != nil || uint64(start)+off != lsn || off >= size {
			t.Fatalf("SegmentOf(%d, %#x, %d) = %s+%#x, start %v, %v", tli, lsn, size, n, off, start, err)
		}
		next, err := n.Next(size)
		if err != nil {
			return // end of WAL
		}
		ns, _ := next.StartLSN(size)
		if uint64(ns) != uint64(start)+size || Compare(n, next) >= 0 {
			t.Fatalf("Next(%s) = %s starts at %v, want %#x", n, next, ns, uint64(start)+size)
		}
	})
}
