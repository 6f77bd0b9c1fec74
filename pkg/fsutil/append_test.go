package fsutil

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gobarman/barman/internal/tmpfstest"
)

// watchFsync replaces fsync, for the test, with one that records the
// names of the files it syncs and fails with fail for those whose base
// name is failName.
func watchFsync(t *testing.T, failName string, fail error) (synced func() []string) {
	var mu sync.Mutex
	var names []string
	orig := fsync
	fsync = func(f *os.File) error {
		mu.Lock()
		names = append(names, f.Name())
		mu.Unlock()
		if filepath.Base(f.Name()) == failName {
			return fail
		}
		return orig(f)
	}
	t.Cleanup(func() { fsync = orig })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(names)
	}
}

// lines is n xlog.db-like lines, numbered from first.
func lines(first, n int) []byte {
	var b bytes.Buffer
	for i := first; i < first+n; i++ {
		b.WriteString(strings.Repeat("0", 16))
		b.WriteString(strings.Repeat(string(rune('A'+i%26)), 8))
		b.WriteString("\t16777216\t1764072000.0\tNone\n")
	}
	return b.Bytes()
}

// On a full disk an append writes part of its data (up to the end of the
// file's last page on tmpfs) then fails: the file must be cut back to the
// lines it had, so that the retry, once there is space, adds whole lines.
func TestAppendSyncFullDisk(t *testing.T) {
	dir := tmpfstest.Mount(t, 1<<20)
	p := filepath.Join(dir, "xlog.db")
	before := lines(0, 10)
	if err := AppendSync(p, before, 0o600); err != nil {
		t.Fatal(err)
	}
	free := tmpfstest.Fill(t, dir)
	more := lines(10, 200)
	room := int64(os.Getpagesize()) - int64(len(before))%int64(os.Getpagesize())
	if room == 0 || int64(len(more)) <= room {
		t.Fatalf("the append (%d bytes) must start in the last page (%d bytes left) and go past it", len(more), room)
	}
	err := AppendSync(p, more, 0o600)
	if !errors.Is(err, unix.ENOSPC) {
		t.Fatalf("append on a full disk: %v, want ENOSPC", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, before) {
		t.Fatalf("after the failed append the file holds %d bytes, want the %d it had:\n%q", len(got), len(before), got[len(got)-min(len(got), 80):])
	}
	free()
	if err := AppendSync(p, more, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, append(before, more...)) {
		t.Errorf("after the retry the file holds %d bytes, want %d", len(got), len(before)+len(more))
	}
}

// A failed fsync also cuts the file back: the caller takes the lines as
// not written.
func TestAppendSyncFsyncFails(t *testing.T) {
	p := filepath.Join(t.TempDir(), "xlog.db")
	before := lines(0, 3)
	if err := AppendSync(p, before, 0o600); err != nil {
		t.Fatal(err)
	}
	eio := errors.New("input/output error")
	watchFsync(t, "xlog.db", eio)
	if err := AppendSync(p, lines(3, 1), 0o600); !errors.Is(err, eio) {
		t.Fatalf("err = %v, want %v", err, eio)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, before) {
		t.Errorf("file holds %q, want %q", got, before)
	}
}

// The append that creates the file fsyncs its directory (the file's name);
// later appends need not.
func TestAppendSyncCreateSyncsDir(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "xlog.db")
	synced := watchFsync(t, "", nil)
	if err := AppendSync(p, lines(0, 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := synced(); !slices.Equal(got, []string{p, dir}) {
		t.Errorf("creating append fsynced %q, want %q", got, []string{p, dir})
	}
	n := len(synced())
	if err := AppendSync(p, lines(1, 1), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := synced()[n:]; !slices.Equal(got, []string{p}) {
		t.Errorf("second append fsynced %q, want %q", got, []string{p})
	}
}

// MkdirAllSync fsyncs the parent of each directory it creates, and the
// parent of dir when dir was there already (an earlier run may have
// created it and stopped before that fsync).
func TestMkdirAllSyncFsyncs(t *testing.T) {
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "a", "b")
	for _, tc := range []struct {
		name string
		dir  string
		want []string
	}{
		{"creates two", b, []string{root, a}},
		{"exists", b, []string{a}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synced := watchFsync(t, "", nil)
			if err := MkdirAllSync(tc.dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if got := synced(); !slices.Equal(got, tc.want) {
				t.Errorf("fsynced %q, want %q", got, tc.want)
			}
		})
	}
}
