// Package storagetest is the conformance suite that every storage
// backend runs: Run(t, newBackend).
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/gobarman/barman/pkg/storage"
)

// Run runs the suite against fresh backends made by newStorage.
func Run(t *testing.T, newStorage func(t *testing.T) storage.Storage) {
	tests := []struct {
		name string
		fn   func(*testing.T, storage.Storage)
	}{
		{"SaveOpenStat", saveOpenStat}, {"Replace", replace}, {"Missing", missing},
		{"List", list}, {"ListOrder", listOrder}, {"ListDelimiter", listDelimiter},
		{"BadNames", badNames}, {"FailedSave", failedSave},
		{"InvisibleBeforeCommit", invisibleBeforeCommit}, {"AbortLeavesNothing", abortLeavesNothing},
		{"CancelledCommit", cancelledCommit}, {"IfNotExists", ifNotExists},
		{"ConcurrentIfNotExists", concurrentIfNotExists}, {"AtomicReplace", atomicReplace},
		{"ReaderDuringWrite", readerDuringWrite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newStorage(t)) })
	}
}

// Read returns the content of name, failing the test if it cannot.
func Read(t *testing.T, s storage.Storage, name string) string {
	t.Helper()
	data, err := storage.ReadAll(context.Background(), s, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(data)
}

// Save stores data under name, failing the test if it cannot.
func Save(t *testing.T, s storage.Storage, name, data string) {
	t.Helper()
	if err := storage.Save(context.Background(), s, name, strings.NewReader(data), storage.CreateOptions{}); err != nil {
		t.Fatalf("save %s: %v", name, err)
	}
}

// Names lists the names under prefix.
func Names(t *testing.T, s storage.Storage, prefix string, opts storage.ListOptions) []string {
	t.Helper()
	var got []string
	err := s.List(context.Background(), prefix, opts, func(i storage.Info) error {
		got = append(got, i.Name)
		return nil
	})
	if err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	return got
}

// AssertAbsent checks that name is seen by none of Open, Stat and List.
func AssertAbsent(t *testing.T, s storage.Storage, name string) {
	t.Helper()
	ctx := context.Background()
	if r, err := s.Open(ctx, name); !errors.Is(err, storage.ErrNotExist) {
		if err == nil {
			r.Close()
		}
		t.Errorf("open %s: %v, want ErrNotExist", name, err)
	}
	if _, err := s.Stat(ctx, name); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("stat %s: %v, want ErrNotExist", name, err)
	}
	if got := Names(t, s, "", storage.ListOptions{}); len(got) != 0 {
		t.Errorf("list shows %q", got)
	}
}

func create(t *testing.T, s storage.Storage, name string, opts storage.CreateOptions, data string) storage.Writer {
	t.Helper()
	w, err := s.Create(context.Background(), name, opts)
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	t.Cleanup(func() { w.Abort() })
	if _, err := io.WriteString(w, data); err != nil {
		t.Fatalf("write %s: %v", name, err)
	}
	return w
}

func saveOpenStat(t *testing.T, s storage.Storage) {
	const name = "wals/0000000100000000/000000010000000000000001"
	Save(t, s, name, "segment")
	if got := Read(t, s, name); got != "segment" {
		t.Errorf("read %q", got)
	}
	info, err := s.Stat(context.Background(), name)
	if err != nil || info.Size != 7 || info.Name != name || info.Dir || info.ModTime.IsZero() {
		t.Errorf("stat %+v %v", info, err)
	}
}

func replace(t *testing.T, s storage.Storage) {
	Save(t, s, "a", "old")
	Save(t, s, "a", "new content")
	if got := Read(t, s, "a"); got != "new content" {
		t.Errorf("read %q", got)
	}
}

func missing(t *testing.T, s storage.Storage) {
	AssertAbsent(t, s, "nope")
	ctx := context.Background()
	if err := s.Remove(ctx, "nope"); err != nil {
		t.Errorf("remove missing: %v", err)
	}
	Save(t, s, "x/y", "1")
	if err := s.Remove(ctx, "x/y"); err != nil {
		t.Fatal(err)
	}
	AssertAbsent(t, s, "x/y")
	AssertAbsent(t, s, "x") // a "directory" is no blob
}

func list(t *testing.T, s storage.Storage) {
	for _, n := range []string{"wals/b/2", "wals/a/1", "base/x", "wals/00000002.history", "walsx"} {
		Save(t, s, n, n)
	}
	if got := strings.Join(Names(t, s, "wals/", storage.ListOptions{}), ","); got != "wals/00000002.history,wals/a/1,wals/b/2" {
		t.Errorf("list wals/ = %v", got)
	}
	if got := strings.Join(Names(t, s, "wals/a", storage.ListOptions{}), ","); got != "wals/a/1" {
		t.Errorf("list wals/a = %v", got)
	}
	if got := Names(t, s, "nothing/", storage.ListOptions{}); len(got) != 0 {
		t.Errorf("list nothing/ = %v", got)
	}
	var sizes []int64
	s.List(context.Background(), "base/", storage.ListOptions{}, func(i storage.Info) error {
		sizes = append(sizes, i.Size)
		return nil
	})
	if len(sizes) != 1 || sizes[0] != int64(len("base/x")) {
		t.Errorf("list sizes %v", sizes)
	}
	stop := errors.New("stop")
	n := 0
	err := s.List(context.Background(), "", storage.ListOptions{}, func(storage.Info) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("list must stop at fn's error: %v after %d", err, n)
	}
}

// listOrder: byte order of whole names, as S3 lists: "a.b" < "a/c" ('.'
// < '/') although a directory walk meets "a" before "a.b".
func listOrder(t *testing.T, s storage.Storage) {
	for _, n := range []string{"a/c", "a.b", "a-b", "a0", "a/b/z", "B"} {
		Save(t, s, n, n)
	}
	want := "B,a-b,a.b,a/b/z,a/c,a0"
	if got := strings.Join(Names(t, s, "", storage.ListOptions{}), ","); got != want {
		t.Errorf("list = %s, want %s", got, want)
	}
}

func listDelimiter(t *testing.T, s storage.Storage) {
	for _, n := range []string{"base/20240101T000000/backup.info", "base/20240101T000000/data.tar",
		"base/20240102T000000/backup.info", "base/x.b", "wals/a/1"} {
		Save(t, s, n, n)
	}
	slash := storage.ListOptions{Delimiter: "/"}
	want := "base/20240101T000000/,base/20240102T000000/,base/x.b"
	if got := strings.Join(Names(t, s, "base/", slash), ","); got != want {
		t.Errorf("list base/ / = %s, want %s", got, want)
	}
	if got := strings.Join(Names(t, s, "", slash), ","); got != "base/,wals/" {
		t.Errorf("list \"\" / = %s", got)
	}
	if got := strings.Join(Names(t, s, "base/2024", slash), ","); got != "base/20240101T000000/,base/20240102T000000/" {
		t.Errorf("list base/2024 / = %s", got)
	}
	var dirs int
	s.List(context.Background(), "base/", slash, func(i storage.Info) error {
		if i.Dir != strings.HasSuffix(i.Name, "/") {
			t.Errorf("%+v: Dir must be set exactly for prefixes", i)
		}
		if i.Dir {
			dirs++
		}
		return nil
	})
	if dirs != 2 {
		t.Errorf("%d prefixes, want 2", dirs)
	}
	if err := s.List(context.Background(), "", storage.ListOptions{Delimiter: ","}, func(storage.Info) error { return nil }); err == nil {
		t.Error("a delimiter other than / was accepted")
	}
}

func badNames(t *testing.T, s storage.Storage) {
	for _, n := range []string{"", "/abs", "../up", "a/../b", "a//b", ".", "a/", "a/.hidden", ".x"} {
		if w, err := s.Create(context.Background(), n, storage.CreateOptions{}); err == nil {
			w.Abort()
			t.Errorf("create %q accepted", n)
		}
		if _, err := s.Stat(context.Background(), n); err == nil || errors.Is(err, storage.ErrNotExist) {
			t.Errorf("stat %q: %v, want an invalid name error", n, err)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func failedSave(t *testing.T, s storage.Storage) {
	Save(t, s, "keep", "old")
	r := io.MultiReader(bytes.NewReader([]byte("partial")), failingReader{})
	if err := storage.Save(context.Background(), s, "keep", r, storage.CreateOptions{}); err == nil {
		t.Fatal("save from a failing reader succeeded")
	}
	if got := Read(t, s, "keep"); got != "old" {
		t.Errorf("a failed save changed the blob: %q", got)
	}
	if got := Names(t, s, "", storage.ListOptions{}); len(got) != 1 {
		t.Errorf("a failed save left %q", got)
	}
}

func invisibleBeforeCommit(t *testing.T, s storage.Storage) {
	w := create(t, s, "wals/a/new", storage.CreateOptions{}, "some bytes")
	AssertAbsent(t, s, "wals/a/new")
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := Read(t, s, "wals/a/new"); got != "some bytes" {
		t.Errorf("read %q", got)
	}
	if err := w.Abort(); err != nil {
		t.Errorf("abort after commit: %v", err)
	}
	if got := Read(t, s, "wals/a/new"); got != "some bytes" {
		t.Errorf("abort after commit changed the blob: %q", got)
	}
}

func abortLeavesNothing(t *testing.T, s storage.Storage) {
	w := create(t, s, "base/1/backup.info", storage.CreateOptions{}, "half")
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	AssertAbsent(t, s, "base/1/backup.info")
	if err := w.Commit(); err == nil {
		t.Error("commit after abort succeeded")
	}
	AssertAbsent(t, s, "base/1/backup.info")
}

func cancelledCommit(t *testing.T, s storage.Storage) {
	ctx, cancel := context.WithCancel(context.Background())
	w, err := s.Create(ctx, "c", storage.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "data")
	cancel()
	if err := w.Commit(); !errors.Is(err, context.Canceled) {
		t.Errorf("commit after cancel: %v, want context.Canceled", err)
	}
	w.Abort()
	AssertAbsent(t, s, "c")
}

func ifNotExists(t *testing.T, s storage.Storage) {
	excl := storage.CreateOptions{IfNotExists: true}
	if err := create(t, s, "w/1", excl, "first").Commit(); err != nil {
		t.Fatal(err)
	}
	err := create(t, s, "w/1", excl, "second").Commit()
	if !errors.Is(err, storage.ErrExist) {
		t.Fatalf("second conditional create: %v, want ErrExist", err)
	}
	if got := Read(t, s, "w/1"); got != "first" {
		t.Errorf("a failed conditional create changed the blob: %q", got)
	}
	if got := Names(t, s, "", storage.ListOptions{}); len(got) != 1 {
		t.Errorf("a failed conditional create left %q", got)
	}
}

func concurrentIfNotExists(t *testing.T, s storage.Storage) {
	const n = 8
	ws := make([]storage.Writer, n)
	for i := range ws {
		ws[i] = create(t, s, "w/race", storage.CreateOptions{IfNotExists: true}, strings.Repeat(string(rune('a'+i)), 1000))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Go(func() { errs[i] = w.Commit() })
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("writers %d and %d both won", winner, i)
		case err == nil:
			winner = i
		case !errors.Is(err, storage.ErrExist):
			t.Errorf("writer %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	if got := Read(t, s, "w/race"); got != strings.Repeat(string(rune('a'+winner)), 1000) {
		t.Errorf("the blob is not the winner's: %.20q", got)
	}
	if got := Names(t, s, "", storage.ListOptions{}); len(got) != 1 {
		t.Errorf("the losers left %q", got)
	}
}

// atomicReplace: while a writer replaces a blob again and again, readers
// see one whole version or the other, never a part or a mix.
func atomicReplace(t *testing.T, s storage.Storage) {
	versions := []string{strings.Repeat("a", 64<<10), strings.Repeat("b", 100<<10+1)}
	Save(t, s, "blob", versions[0])
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				data, err := storage.ReadAll(context.Background(), s, "blob")
				if err != nil || string(data) != versions[0] && string(data) != versions[1] {
					t.Errorf("read %d bytes (%v): neither version", len(data), err)
					return
				}
			}
		})
	}
	for i := range 50 {
		Save(t, s, "blob", versions[i%2])
	}
	close(done)
	wg.Wait()
}

// readerDuringWrite: a reader opened before a replace commits reads the
// old content to its end; one opened after, the new.
func readerDuringWrite(t *testing.T, s storage.Storage) {
	old := strings.Repeat("o", 256<<10)
	Save(t, s, "blob", old)
	r, err := s.Open(context.Background(), "blob")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	head := make([]byte, 1000)
	if _, err := io.ReadFull(r, head); err != nil {
		t.Fatal(err)
	}
	w := create(t, s, "blob", storage.CreateOptions{}, strings.Repeat("n", 300<<10))
	if got := Read(t, s, "blob"); got != old {
		t.Errorf("a reader during the write saw %d bytes of something else", len(got))
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	rest, err := io.ReadAll(r)
	if err != nil || string(head)+string(rest) != old {
		t.Errorf("the first reader read %d bytes (%v), not the old content", len(head)+len(rest), err)
	}
	if got := Read(t, s, "blob"); got != strings.Repeat("n", 300<<10) {
		t.Errorf("after commit: %d bytes, not the new content", len(got))
	}
}
