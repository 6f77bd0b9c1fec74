package archive

import (
	"bytes"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/walfile"
)

// stream writes a file into the streaming directory.
func (f *fixture) stream(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := f.a.Layout.StreamingDir()
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func synthetic(t *testing.T, name string, sysid uint64) []byte {
	t.Helper()
	data, err := walfile.Synthetic(strings.TrimSuffix(name, ".partial"), sysid, 16<<20, 1)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// ListStreamed: segments, histories and the newest .partial; an empty
// .partial (nothing received yet) is not one to read.
func TestListStreamed(t *testing.T) {
	f := newFixture(t)
	if st, err := f.a.ListStreamed(); err != nil || len(st.Files) != 0 || st.Partial != "" {
		t.Fatalf("empty: %+v %v", st, err)
	}
	for _, n := range []string{"000000010000000000000004", "000000010000000000000005.partial", "000000020000000000000005.partial"} {
		f.stream(t, n, synthetic(t, n, 7))
	}
	f.stream(t, "00000002.history", []byte("1\t0/5000100\tno recovery target specified\n"))
	f.stream(t, ".000000020000000000000006.partial.tmp", nil)
	st, err := f.a.ListStreamed()
	if err != nil {
		t.Fatal(err)
	}
	names := slices.Sorted(maps.Keys(st.Files))
	want := []string{"000000010000000000000004", "000000010000000000000005.partial", "00000002.history", "000000020000000000000005.partial"}
	if !slices.Equal(names, want) || st.Partial != "000000020000000000000005.partial" {
		t.Errorf("listed %v partial %q; want %v and the timeline 2 partial", names, st.Partial, want)
	}
	f.stream(t, "000000020000000000000006.partial", make([]byte, 16<<20))
	if st, _ := f.a.ListStreamed(); st.Partial != "" {
		t.Errorf("a .partial of zeros was taken as the segment being received: %q", st.Partial)
	}
}

// OpenStreamed serves a streamed file of this cluster, and refuses one of
// another cluster, or damaged, saying which file and what to do.
func TestOpenStreamed(t *testing.T) {
	f := newFixture(t)
	ours := synthetic(t, "000000010000000000000005", 7)
	f.stream(t, "000000010000000000000005.partial", ours)
	f.stream(t, "000000010000000000000006.partial", synthetic(t, "000000010000000000000006", 8))
	f.stream(t, "000000010000000000000007", ours) // the header of segment 5
	exp := walfile.Expect{SystemID: 7}
	rc, err := f.a.OpenStreamed("000000010000000000000005.partial", exp)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.Equal(got, ours) {
		t.Error("the streamed file read back differs")
	}
	for name, want := range map[string]string{
		"000000010000000000000006.partial": "comes from the cluster with system identifier 8, not 7",
		"000000010000000000000007":         "holds the segment starting at 0/5000000",
	} {
		_, err := f.a.OpenStreamed(name, exp)
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), filepath.Join(f.a.Layout.StreamingDir(), name)) ||
			!strings.Contains(err.Error(), "move it out of") {
			t.Errorf("%s: error %v, want %q naming the file", name, err, want)
		}
	}
	if _, err := f.a.OpenStreamed("000000010000000000000009.partial", exp); !os.IsNotExist(err) {
		t.Errorf("missing file: %v", err)
	}
}
