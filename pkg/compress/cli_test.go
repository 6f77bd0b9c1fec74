package compress

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// The system tools, and how they compress and decompress stdin to stdout.
var systemTools = []struct {
	algo, tool string
	compress   []string
	decompress []string
}{
	{Gzip, "gzip", []string{"-6", "-c"}, []string{"-d", "-c"}},
	{Gzip, "pigz", []string{"-c"}, []string{"-d", "-c"}},
	{Bzip2, "bzip2", []string{"-9", "-c"}, []string{"-d", "-c"}},
	{Zstd, "zstd", []string{"-3", "-c", "-q"}, []string{"-d", "-c", "-q"}},
	{LZ4, "lz4", []string{"-c", "-q"}, []string{"-d", "-c", "-q"}},
	{XZ, "xz", []string{"-c", "-3"}, []string{"-d", "-c"}},
}

func runTool(t *testing.T, input []byte, tool string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(tool, args...)
	cmd.Stdin = bytes.NewReader(input)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v: %s", tool, args, err, stderr.Bytes())
	}
	return out
}

// TestSystemTools checks both ways: the CLI reads what we write, and we
// read what the CLI writes (and recognise it by its magic).
func TestSystemTools(t *testing.T) {
	data := walLike(testSize(1 << 20))
	for _, st := range systemTools {
		t.Run(st.tool, func(t *testing.T) {
			pgtest.Require(t, st.tool, st.tool)
			for _, lv := range []string{"low", "medium", "high"} {
				level, _ := ParseLevel(lv, st.algo)
				ours := compressBytes(t, data, st.algo, level)
				if got := runTool(t, ours, st.tool, st.decompress...); !bytes.Equal(got, data) {
					t.Fatalf("%s -d of our %s output (level %s): %d bytes, want %d", st.tool, st.algo, lv, len(got), len(data))
				}
			}
			theirs := runTool(t, data, st.tool, st.compress...)
			if Detect(theirs) != st.algo {
				t.Errorf("Detect(%s output) = %q", st.tool, Detect(theirs))
			}
			got, err := decompressBytes(t, theirs, st.algo)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("reading %s output: %d bytes, %v", st.tool, len(got), err)
			}
		})
	}
}

// TestSystemToolsMultiStream: gzip, bzip2, zstd and xz files may hold
// several streams one after the other (pigz, pbzip2, cat a b); all are read.
func TestSystemToolsMultiStream(t *testing.T) {
	a, b := walLike(64<<10), []byte("second stream\n")
	for _, st := range systemTools {
		if st.tool == "pigz" {
			continue
		}
		t.Run(st.tool, func(t *testing.T) {
			pgtest.Require(t, st.tool, st.tool)
			z := append(runTool(t, a, st.tool, st.compress...), runTool(t, b, st.tool, st.compress...)...)
			got, err := decompressBytes(t, z, st.algo)
			if err != nil || !bytes.Equal(got, append(bytes.Clone(a), b...)) {
				t.Fatalf("%d bytes, %v", len(got), err)
			}
		})
	}
}
