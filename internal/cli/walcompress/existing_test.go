package walcompress

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/gobarman/barman/pkg/stream"
)

// watchSync replaces syncPlaced, for the test, with one that records the
// paths it is given and returns fail.
func watchSync(t *testing.T, fail error) (synced func() []string) {
	var mu sync.Mutex
	var paths []string
	orig := syncPlaced
	syncPlaced = func(p string) error {
		mu.Lock()
		defer mu.Unlock()
		paths = append(paths, p)
		return fail
	}
	t.Cleanup(func() { syncPlaced = orig })
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(paths)
	}
}

// placeEarlier puts at rec.Dest what an earlier, killed run wrote there:
// data compressed with algo.
func placeEarlier(t *testing.T, rec *stream.WALFile, data []byte, algo string) {
	t.Helper()
	_, z, _ := run(t, data, "-c", algo)
	if err := os.MkdirAll(filepath.Dir(rec.Dest), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rec.Dest, z, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A dest an earlier run left is made durable before its record is passed
// on (the next stage removes the source): the run may have been killed
// before its fsyncs.
func TestRecordsDestIdenticalSynced(t *testing.T) {
	a := newArchive(t)
	data := walData(256<<10, 13)
	rec := a.add("00000001000000000000000D", data)
	placeEarlier(t, rec, data, "gzip")
	synced := watchSync(t, nil)
	code, out, stderr := run(t, encode(t, rec), "--records", "-c", "gzip")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if wal, _, _, _ := decode(t, out); wal[rec.Name] == nil {
		t.Fatalf("no record for %s:\n%s", rec.Name, out)
	}
	if got := synced(); !slices.Equal(got, []string{rec.Dest}) {
		t.Errorf("synced %q, want %q", got, rec.Dest)
	}
}

// When that fsync fails, the file gets an error record instead of its
// wal_file record, so that its source stays.
func TestRecordsDestIdenticalSyncFails(t *testing.T) {
	a := newArchive(t)
	data := walData(64<<10, 14)
	rec := a.add("00000001000000000000000E", data)
	placeEarlier(t, rec, data, "none")
	watchSync(t, errors.New("input/output error"))
	code, out, _ := run(t, encode(t, rec), "--records")
	wal, errs, _, _ := decode(t, out)
	if code != 1 || len(wal) != 0 || len(errs) != 1 || errs[0].Code != stream.CodeIO || errs[0].Path != rec.Dest {
		t.Errorf("exit %d, records %v, errors %+v", code, wal, errs)
	}
	if _, err := os.Stat(rec.Path); err != nil {
		t.Errorf("source: %v", err)
	}
}
