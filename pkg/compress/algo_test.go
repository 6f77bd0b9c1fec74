package compress

import (
	"strings"
	"testing"
)

func TestCanonical(t *testing.T) {
	for in, want := range map[string]string{
		"gzip": Gzip, "pigz": Gzip, "pygzip": Gzip, "GZIP": Gzip, "bzip2": Bzip2, "pybzip2": Bzip2,
		"zstd": Zstd, "lz4": LZ4, "xz": XZ, "snappy": Snappy, "custom": Custom, "none": None, "": None,
	} {
		got, err := Canonical(in)
		if err != nil || got != want {
			t.Errorf("Canonical(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := Canonical("brotli")
	if err == nil || !strings.Contains(err.Error(), "accepted: none, gzip") {
		t.Errorf("Canonical(brotli) error = %v", err)
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		text, algo string
		want       Level
	}{
		{"low", "gzip", 1}, {"medium", "pigz", 6}, {"high", "gzip", 9}, {"", "gzip", 6},
		{"low", "bzip2", 1}, {"medium", "bzip2", 5}, {"high", "pybzip2", 9},
		{"low", "xz", 1}, {"medium", "xz", 3}, {"HIGH", "xz", 5},
		{"low", "zstd", 1}, {"medium", "zstd", 4}, {"high", "zstd", 9},
		{"low", "lz4", 0}, {"medium", "lz4", 6}, {"high", "lz4", 10},
		{"0", "gzip", 1}, {"12", "gzip", 9}, {"-30", "zstd", -22}, {"30", "zstd", 22},
		{"-3", "zstd", -3}, {"17", "lz4", 16}, {"-1", "lz4", 0}, {"7", "bzip2", 7},
		{"high", "snappy", 0}, {"5", "custom", 0}, {"medium", "none", 0},
	}
	for _, tt := range tests {
		got, err := ParseLevel(tt.text, tt.algo)
		if err != nil || got != tt.want {
			t.Errorf("ParseLevel(%q, %q) = %d, %v; want %d", tt.text, tt.algo, got, err, tt.want)
		}
	}
	for _, bad := range [][2]string{{"fast", "gzip"}, {"1.5", "zstd"}, {"low", "brotli"}, {"x", "snappy"}} {
		if _, err := ParseLevel(bad[0], bad[1]); err == nil {
			t.Errorf("ParseLevel(%q, %q): no error", bad[0], bad[1])
		}
	}
}

func TestParseMagic(t *testing.T) {
	for in, want := range map[string]string{"0x28b52ffd": "\x28\xb5\x2f\xfd", "0XABC": "\x0a\xbc", "": ""} {
		got, err := ParseMagic(in)
		if err != nil || string(got) != want {
			t.Errorf("ParseMagic(%q) = %x, %v", in, got, err)
		}
	}
	for _, bad := range []string{"28b52ffd", "0x", "0xzz"} {
		if _, err := ParseMagic(bad); err == nil {
			t.Errorf("ParseMagic(%q): no error", bad)
		}
	}
}
