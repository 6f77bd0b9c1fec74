package fsutil

import (
	"errors"
	"io"
	"io/fs"
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

// TestWriteAtomicNew: a new file is written; an existing one is never
// replaced, the error says it exists and no temporary file is left.
func TestWriteAtomicNew(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "000000010000000000000001")
	fill := func(text string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, text); return err }
	}
	if err := WriteAtomicNew(p, 0o600, fill("first")); err != nil {
		t.Fatal(err)
	}
	err := WriteAtomicNew(p, 0o600, fill("second"))
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second write: %v, want an error matching fs.ErrExist", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "first" {
		t.Errorf("content %q, want the first write's", got)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("%d entries in the directory, want 1 (temporary file left?)", len(ents))
	}
	// The fallback for file systems without RENAME_NOREPLACE keeps the
	// same promise.
	q := filepath.Join(dir, "b")
	os.WriteFile(q+".src", []byte("x"), 0o600)
	os.WriteFile(q, []byte("y"), 0o600)
	if err := linkUnlink(q+".src", q); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("fallback over an existing file: %v", err)
	}
	if got, _ := os.ReadFile(q); string(got) != "y" {
		t.Errorf("fallback replaced the file: %q", got)
	}
	if err := linkUnlink(q+".src", q+".new"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(q + ".src"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("fallback left its source: %v", err)
	}
}
