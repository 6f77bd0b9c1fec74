package walcompress

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

// run calls Main with stdin and returns the exit status, stdout and stderr.
func run(t *testing.T, stdin []byte, args ...string) (int, []byte, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, bytes.NewReader(stdin), &stdout, &stderr)
	return code, stdout.Bytes(), stderr.String()
}

// walData is compressible data that looks a bit like WAL: pages of mixed
// random and repeated bytes, zeros at the end.
func walData(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 7))
	b := make([]byte, n)
	for i := 0; i < n*2/3; i++ {
		if i%8192 < 2048 {
			b[i] = byte(rng.Uint32())
		} else {
			b[i] = "pgbench filler "[i%15]
		}
	}
	return b
}

func TestFlagsAndExitCodes(t *testing.T) {
	tests := []struct {
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{[]string{"--help"}, 0, "Usage: barman-wal-compress", ""},
		{[]string{"-h"}, 0, "--records", ""},
		{[]string{"--version"}, 0, "barman-wal-compress ", ""},
		{nil, 2, "", "error: one of -c ALGO, -d or --records is needed"},
		{[]string{"-c", "brotli"}, 2, "", "unknown compression \"brotli\""},
		{[]string{"-c", "gzip", "-l", "fast"}, 2, "", "invalid compression level"},
		{[]string{"-d", "--records"}, 2, "", "cannot be used together"},
		{[]string{"-c", "custom"}, 2, "", "needs --custom-compression-filter"},
		{[]string{"-d", "-c", "custom"}, 2, "", "needs --custom-decompression-filter"},
		{[]string{"--records", "--jobs=-1"}, 2, "", "-j must be 1 or more"},
		{[]string{"-c", "gzip", "--custom-compression-magic", "zz"}, 2, "", "invalid custom compression magic"},
		{[]string{"--bogus"}, 2, "", "hint: run 'barman-wal-compress --help'"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(string(stdout), tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d, %q, %q", code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}
}

func TestFilterRoundTrip(t *testing.T) {
	data := walData(256<<10, 1)
	for _, algo := range []string{"gzip", "pigz", "bzip2", "zstd", "lz4", "xz", "snappy", "none"} {
		for _, level := range []string{"low", "high"} {
			t.Run(algo+"/"+level, func(t *testing.T) {
				code, z, stderr := run(t, data, "-c", algo, "-l", level)
				if code != 0 || stderr != "" {
					t.Fatalf("compress: exit %d: %s", code, stderr)
				}
				if algo != "none" && len(z) >= len(data) {
					t.Errorf("not compressed: %d bytes", len(z))
				}
				code, got, stderr := run(t, z, "-d")
				if code != 0 || !bytes.Equal(got, data) {
					t.Fatalf("decompress: exit %d, %d bytes: %s", code, len(got), stderr)
				}
				code, got, _ = run(t, z, "-d", "-c", algo)
				if code != 0 || !bytes.Equal(got, data) {
					t.Fatalf("decompress -c %s: exit %d, %d bytes", algo, code, len(got))
				}
			})
		}
	}
}

func TestFilterDecompressErrors(t *testing.T) {
	_, z, _ := run(t, walData(1<<20, 2), "-c", "zstd")
	code, _, stderr := run(t, z[:len(z)/2], "-d")
	if code != 1 || !strings.Contains(stderr, "error: decompress standard input (zstd)") || !strings.Contains(stderr, "hint: ") {
		t.Errorf("truncated: exit %d, stderr %q", code, stderr)
	}
	code, out, _ := run(t, []byte("plain text"), "-d")
	if code != 0 || string(out) != "plain text" {
		t.Errorf("plain input: exit %d, %q", code, out)
	}
	code, _, stderr = run(t, []byte("plain text"), "-d", "-c", "gzip")
	if code != 1 || !strings.Contains(stderr, "(gzip)") {
		t.Errorf("forced gzip on plain text: exit %d, stderr %q", code, stderr)
	}
}

func TestFilterCustom(t *testing.T) {
	data := walData(256<<10, 3)
	custom := []string{"-c", "custom", "--custom-compression-filter", "xz -c -1",
		"--custom-decompression-filter", "xz -d -c"}
	code, z, stderr := run(t, data, custom...)
	if code != 0 {
		t.Fatalf("compress: exit %d: %s", code, stderr)
	}
	code, got, stderr := run(t, z, append([]string{"-d"}, custom...)...)
	if code != 0 || !bytes.Equal(got, data) {
		t.Fatalf("decompress: exit %d: %s", code, stderr)
	}
	code, _, stderr = run(t, data, "-c", "custom", "--custom-compression-filter", "echo broken >&2; false")
	if code != 1 || !strings.Contains(stderr, "barman-wal-compress: custom_compression_filter: broken\n") ||
		!strings.Contains(stderr, "exit status 1") {
		t.Errorf("failing filter: exit %d, stderr %q", code, stderr)
	}
}
