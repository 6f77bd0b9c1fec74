// Package storagetest is the conformance suite that every storage
// backend runs: Run(t, newBackend).
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/storage"
)

// Run runs the suite against fresh backends made by newStorage.
func Run(t *testing.T, newStorage func(t *testing.T) storage.Storage) {
	tests := map[string]func(*testing.T, storage.Storage){
		"SaveOpenStat": saveOpenStat, "Replace": replace, "Missing": missing,
		"List": list, "BadNames": badNames, "FailedSave": failedSave,
	}
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) { fn(t, newStorage(t)) })
	}
}

func read(t *testing.T, s storage.Storage, name string) string {
	t.Helper()
	r, err := s.Open(context.Background(), name)
	if err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func save(t *testing.T, s storage.Storage, name, data string) {
	t.Helper()
	if err := s.Save(context.Background(), name, strings.NewReader(data)); err != nil {
		t.Fatalf("save %s: %v", name, err)
	}
}

func saveOpenStat(t *testing.T, s storage.Storage) {
	save(t, s, "wals/0000000100000000/000000010000000000000001", "segment")
	if got := read(t, s, "wals/0000000100000000/000000010000000000000001"); got != "segment" {
		t.Errorf("read %q", got)
	}
	info, err := s.Stat(context.Background(), "wals/0000000100000000/000000010000000000000001")
	if err != nil || info.Size != 7 || info.Name != "wals/0000000100000000/000000010000000000000001" {
		t.Errorf("stat %+v %v", info, err)
	}
}

func replace(t *testing.T, s storage.Storage) {
	save(t, s, "a", "old")
	save(t, s, "a", "new content")
	if got := read(t, s, "a"); got != "new content" {
		t.Errorf("read %q", got)
	}
}

func missing(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	if _, err := s.Open(ctx, "nope"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("open: %v", err)
	}
	if _, err := s.Stat(ctx, "nope"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("stat: %v", err)
	}
	if err := s.Remove(ctx, "nope"); err != nil {
		t.Errorf("remove missing: %v", err)
	}
	save(t, s, "x", "1")
	if err := s.Remove(ctx, "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, "x"); !errors.Is(err, storage.ErrNotExist) {
		t.Errorf("stat after remove: %v", err)
	}
}

func list(t *testing.T, s storage.Storage) {
	for _, n := range []string{"wals/b/2", "wals/a/1", "base/x", "wals/00000002.history"} {
		save(t, s, n, n)
	}
	var got []string
	err := s.List(context.Background(), "wals/", func(i storage.Info) error {
		got = append(got, i.Name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "wals/00000002.history,wals/a/1,wals/b/2" {
		t.Errorf("list = %v", got)
	}
	stop := errors.New("stop")
	n := 0
	err = s.List(context.Background(), "", func(storage.Info) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("list must stop at fn's error: %v after %d", err, n)
	}
}

func badNames(t *testing.T, s storage.Storage) {
	for _, n := range []string{"", "/abs", "../up", "a/../b", "a//b", "."} {
		if err := s.Save(context.Background(), n, strings.NewReader("x")); err == nil {
			t.Errorf("save %q accepted", n)
		}
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func failedSave(t *testing.T, s storage.Storage) {
	save(t, s, "keep", "old")
	r := io.MultiReader(bytes.NewReader([]byte("partial")), failingReader{})
	if err := s.Save(context.Background(), "keep", r); err == nil {
		t.Fatal("save from a failing reader succeeded")
	}
	if got := read(t, s, "keep"); got != "old" {
		t.Errorf("a failed save changed the blob: %q", got)
	}
}
