package fsutil

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteFileAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "backup.info")
	if err := WriteFileAtomic(p, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(p, []byte("new\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || string(got) != "new\n" {
		t.Fatalf("got %q, %v", got, err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640", st.Mode().Perm())
	}
	assertOnlyFiles(t, dir, "backup.info")
}

func TestWriteAtomicFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "xlog.db")
	if err := WriteFileAtomic(p, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk full")
	err := WriteAtomic(p, 0o600, func(w io.Writer) error {
		w.Write([]byte("partial"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want wrapping %v", err, boom)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "keep" {
		t.Fatalf("old content lost: %q", got)
	}
	assertOnlyFiles(t, dir, "xlog.db")
}

func TestAppendSyncAndMkdir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b", "c")
	if err := MkdirAllSync(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "j")
	for _, s := range []string{"1\n", "2\n"} {
		if err := AppendSync(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(p)
	if string(got) != "1\n2\n" {
		t.Fatalf("got %q", got)
	}
}

func assertOnlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != len(names) {
		var got []string
		for _, e := range ents {
			got = append(got, e.Name())
		}
		t.Fatalf("directory holds %v, want %v", got, names)
	}
}

// SyncPlaced fsyncs the file, its directory and that directory's parent,
// and says so when the file is missing.
func TestSyncPlaced(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "wals", "0000000100000000")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "000000010000000000000001")
	if err := SyncPlaced(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if err := os.WriteFile(p, []byte("wal"), 0o600); err != nil {
		t.Fatal(err)
	}
	synced := watchFsync(t, "", nil)
	if err := SyncPlaced(p); err != nil {
		t.Error(err)
	}
	if got, want := synced(), []string{p, dir, filepath.Dir(dir)}; !slices.Equal(got, want) {
		t.Errorf("fsynced %q, want %q", got, want)
	}
}
