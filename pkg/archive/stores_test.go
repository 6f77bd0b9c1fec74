package archive

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/storagetest"
)

// memFixture is a fixture whose archived WAL files are kept in memory:
// whatever finds, reads or lists them must go through the WAL store.
func memFixture(t *testing.T) (*fixture, *storage.Memory) {
	f := newFixture(t)
	mem := &storage.Memory{}
	f.a.Layout.UseStores(catalog.Stores{WALs: mem})
	return f, mem
}

// storePlace places a record's source in the WAL store, as
// barman-wal-compress does through its storage.
func storePlace(t *testing.T, s storage.Storage, name, src string) {
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	storagetest.Save(t, s, catalog.WALName(name), string(data))
}

func TestArchiveThroughWALStore(t *testing.T) {
	f, mem := memFixture(t)
	const name = "000000010000000000000003"
	seg := segment(t, name, 42, 1)
	p := f.drop(t, name, seg)
	rec := f.inspect(t, p).Record
	if rec == nil {
		t.Fatal("good segment not accepted")
	}
	storePlace(t, mem, name, p)
	f.commit(t, rec)
	if entries, _ := f.a.Layout.ReadXlogDB(); len(entries) != 1 || entries[0].Size != segSize {
		t.Fatalf("commit did not stat the stored file: %+v", entries)
	}
	if _, err := os.Stat(f.a.Layout.WALPath(name)); !os.IsNotExist(err) {
		t.Fatalf("a WAL file reached the disk: %v", err)
	}
	for what, open := range map[string]func(string) (io.ReadCloser, error){
		"Open":       func(n string) (io.ReadCloser, error) { return f.a.Open(n, false) },
		"Reader":     f.a.Reader(nil),
		"OpenStored": func(n string) (io.ReadCloser, error) { return f.a.OpenStored(n, false) },
	} {
		if got, err := readAll(open, name); err != nil || string(got) != string(seg) {
			t.Errorf("%s: %d bytes, %v", what, len(got), err)
		}
	}
	if got, err := f.a.Find(name, false); err != nil || got != catalog.WALName(name) {
		t.Errorf("Find = %q, %v: want the blob name", got, err)
	}
	// Sent again: an identical duplicate, found and compared in the store.
	p = f.drop(t, name, seg)
	if res := f.inspect(t, p); res.Dropped == nil {
		t.Errorf("identical duplicate not dropped: %+v", res)
	}
}

func TestRebuildListsWALStore(t *testing.T) {
	f, mem := memFixture(t)
	dir := t.TempDir()
	for _, n := range []string{"000000010000000000000001", "000000010000000000000002"} {
		p := filepath.Join(dir, n)
		os.WriteFile(p, segment(t, n, 42, 1), 0o600)
		storePlace(t, mem, n, p)
	}
	storagetest.Save(t, mem, "00000002.history", "1\t0/2000000\tx\n")
	storagetest.Save(t, mem, "0000000100000000/00000002.history", "misplaced: not listed")
	c, err := f.a.OpenCommitter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	h, l, w, err := c.Rebuild()
	c.Close()
	if err != nil || h != 1 || l != 0 || w != 2 {
		t.Fatalf("rebuild %d %d %d %v", h, l, w, err)
	}
	entries, _ := f.a.Layout.ReadXlogDB()
	if len(entries) != 3 || entries[0].Size != segSize || entries[2].Name != "00000002.history" {
		t.Errorf("entries %+v", entries)
	}
}

// Rebuild removes the temporary files of writes killed long ago, and
// leaves a young one (a write in progress) alone.
func TestRebuildRemovesStaleTemporaryFiles(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(f.a.Layout.WALsDir(), "0000000100000000")
	os.MkdirAll(dir, 0o700)
	stale := filepath.Join(dir, ".000000010000000000000001.tmp-123")
	young := filepath.Join(dir, ".000000010000000000000002.tmp-456")
	for _, p := range []string{stale, young} {
		if err := os.WriteFile(p, []byte("part"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * StaleTempAge)
	os.Chtimes(stale, old, old)
	c, err := f.a.OpenCommitter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, _, w, err := c.Rebuild()
	c.Close()
	if err != nil || w != 0 {
		t.Fatalf("rebuild: %d segments, %v", w, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(young); err != nil {
		t.Errorf("young temporary file removed: %v", err)
	}
}
