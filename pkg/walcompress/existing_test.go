package walcompress

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/gobarman/barman/pkg/compress"
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

// earlierRun makes an incoming file and puts at its dest what an earlier,
// killed run wrote there: the same data compressed with algo.
func earlierRun(t *testing.T, name, algo string) *stream.WALFile {
	t.Helper()
	dir := t.TempDir()
	data := bytes.Repeat([]byte("pgbench filler "), 4096)
	rec := &stream.WALFile{Server: "main", Name: name, Kind: stream.KindSegment, Status: stream.StatusNew,
		Size: int64(len(data)), Path: filepath.Join(dir, "incoming", name), Dest: filepath.Join(dir, "wals", name[:16], name)}
	var z bytes.Buffer
	if err := Compress(context.Background(), Options{Algo: algo, Level: compress.Level(1)}, &z, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	for p, content := range map[string][]byte{rec.Path: data, rec.Dest: z.Bytes()} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return rec
}

// records runs Records on rec and returns the wal_file and error records.
func records(t *testing.T, o Options, rec *stream.WALFile) (wal []*stream.WALFile, errs []*stream.Error, err error) {
	t.Helper()
	var in, out bytes.Buffer
	if werr := stream.NewWriter(&in).Write(rec); werr != nil {
		t.Fatal(werr)
	}
	err = Records(context.Background(), o, &in, &out)
	rd := stream.NewReader(&out, "<out>")
	for {
		r, rerr := rd.Read()
		if rerr == io.EOF {
			return wal, errs, err
		}
		if rerr != nil {
			t.Fatal(rerr)
		}
		switch r := r.(type) {
		case *stream.WALFile:
			wal = append(wal, r)
		case *stream.Error:
			errs = append(errs, r)
		}
	}
}

// A dest an earlier run left is made durable before its record is passed
// on (the next stage removes the source): the run may have been killed
// before its fsyncs.
func TestRecordsDestIdenticalSynced(t *testing.T) {
	rec := earlierRun(t, "00000001000000000000000D", "gzip")
	synced := watchSync(t, nil)
	wal, errs, err := records(t, Options{Algo: "gzip"}, rec)
	if err != nil || len(wal) != 1 || len(errs) != 0 {
		t.Fatalf("%v: records %v, errors %+v", err, wal, errs)
	}
	if got := synced(); !slices.Equal(got, []string{rec.Dest}) {
		t.Errorf("synced %q, want %q", got, rec.Dest)
	}
}

// When that fsync fails, the file gets an error record instead of its
// wal_file record, so that its source stays.
func TestRecordsDestIdenticalSyncFails(t *testing.T) {
	rec := earlierRun(t, "00000001000000000000000E", "none")
	watchSync(t, errors.New("input/output error"))
	wal, errs, err := records(t, Options{Algo: "none"}, rec)
	var re *stream.ReportedError
	if !errors.As(err, &re) || len(wal) != 0 || len(errs) != 1 || errs[0].Code != stream.CodeIO || errs[0].Path != rec.Dest {
		t.Errorf("%v: records %v, errors %+v", err, wal, errs)
	}
	if _, err := os.Stat(rec.Path); err != nil {
		t.Errorf("source: %v", err)
	}
}
