package walname

import "testing"

func TestParseLSN(t *testing.T) {
	tests := []struct {
		in   string
		want LSN
		out  string
	}{
		{"0/0", 0, "0/0"},
		{"0/6000028", 0x6000028, "0/6000028"},
		{"2/82000168", 0x2_82000168, "2/82000168"},
		{"16/b374d848", 0x16_B374D848, "16/B374D848"},
		{"00000000/00000001", 1, "0/1"},
		{"FFFFFFFF/FFFFFFFF", ^LSN(0), "FFFFFFFF/FFFFFFFF"},
	}
	for _, tt := range tests {
		got, err := ParseLSN(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseLSN(%q) = %v, %v; want %#x", tt.in, got, err, uint64(tt.want))
		}
		if s := got.String(); s != tt.out {
			t.Errorf("LSN(%q).String() = %q, want %q", tt.in, s, tt.out)
		}
	}
}

func TestParseLSNErrors(t *testing.T) {
	for _, in := range []string{
		"", "0", "/", "0/", "/0", "0/0/0", "x/0", "0/g", "+1/0", "0/-1",
		"100000000/0", "0/100000000", " 0/0", "0/0 ", "0x1/0", "0/1_0",
	} {
		if l, err := ParseLSN(in); err == nil {
			t.Errorf("ParseLSN(%q) = %v, want an error", in, l)
		}
	}
}
