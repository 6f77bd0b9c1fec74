package cloud

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/walfile"
)

const (
	testSysID = 7300000000000000001
	segSize   = 1 << 20
	seg3      = "000000010000000000000003"
)

func synth(t *testing.T, name string, sysid uint64, seed byte) []byte {
	t.Helper()
	data, err := walfile.Synthetic(name, sysid, segSize, seed)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func archiveWAL(t *testing.T, st storage.Storage, name string, data []byte, algo string) (ArchiveResult, error) {
	t.Helper()
	p := writeFile(t, t.TempDir(), name, data)
	return ArchiveWAL(context.Background(), st, p, ArchiveOptions{Server: "pg", Compression: algo})
}

// TestArchiveRestoreRoundTrip: each compression gives back the segment
// byte for byte, under Barman's key.
func TestArchiveRestoreRoundTrip(t *testing.T) {
	for _, algo := range append([]string{compress.None}, Algorithms...) {
		t.Run(algo, func(t *testing.T) {
			st := &storage.Memory{}
			data := synth(t, seg3, testSysID, 1)
			res, err := archiveWAL(t, st, seg3, data, algo)
			if err != nil {
				t.Fatal(err)
			}
			if want := "pg/wals/0000000100000000/" + seg3 + Ext(algo); res.Key != want || res.Already {
				t.Fatalf("result %+v, want key %s", res, want)
			}
			dest := filepath.Join(t.TempDir(), "RECOVERYXLOG")
			if err := RestoreWAL(context.Background(), st, seg3, dest, WALRestoreOptions{Server: "pg"}); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(dest); !bytes.Equal(got, data) {
				t.Fatal("restored content differs")
			}
		})
	}
}

// TestArchiveRefusals: what is not a segment of the archived cluster is
// refused, named, and nothing is stored.
func TestArchiveRefusals(t *testing.T) {
	st := &storage.Memory{}
	if _, err := archiveWAL(t, st, seg3, synth(t, seg3, testSysID, 1), compress.Gzip); err != nil {
		t.Fatal(err)
	}
	random := make([]byte, 1000)
	rand.Read(random)
	seg4 := "000000010000000000000004"
	big, _ := walfile.Synthetic(seg4, testSysID, 2*segSize, 1)
	cases := []struct {
		what, name string
		data       []byte
		want       string
	}{
		{"random 1000 bytes", seg4, random, "no WAL page header"},
		{"another cluster", seg4, synth(t, seg4, testSysID+1, 1), "system identifier 7300000000000000001 and 1048576-byte segments"},
		{"another segment size", seg4, big, "segment size 2097152"},
		{"wrong size", seg4, synth(t, seg4, testSysID, 1)[:segSize-8192], "is 1040384 bytes"},
		{"renamed", seg4, synth(t, seg3, testSysID, 2), "holds the segment starting at 0/300000"},
		{"bad history", "00000002.history", []byte("garbage\n"), "not a timeline history line"},
		{"label of another segment", seg4 + ".00000028.backup", []byte("START WAL LOCATION: 0/3000028 (file " + seg3 + ")\n"), "backup starting in " + seg3},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			_, err := archiveWAL(t, st, c.name, c.data, compress.Gzip)
			if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name) {
				t.Fatalf("err = %v, want a refusal naming %s with %q", err, c.name, c.want)
			}
			objs, _ := listWAL(context.Background(), st, Layout{Server: "pg"}, c.name)
			if len(objs) != 0 {
				t.Fatalf("stored %v", objs)
			}
		})
	}
}

// TestArchiveExisting: the same content again is a success with nothing
// uploaded, whatever the compression; other content is refused and the
// stored object is unchanged.
func TestArchiveExisting(t *testing.T) {
	st := &storage.Memory{}
	data := synth(t, seg3, testSysID, 1)
	if _, err := archiveWAL(t, st, seg3, data, compress.Gzip); err != nil {
		t.Fatal(err)
	}
	key := "pg/wals/0000000100000000/" + seg3 + ".gz"
	before, _ := storage.ReadAll(context.Background(), st, key)
	res, err := archiveWAL(t, st, seg3, data, compress.Bzip2)
	if err != nil || !res.Already || res.Key != key {
		t.Fatalf("same content: %+v, %v", res, err)
	}
	_, err = archiveWAL(t, st, seg3, synth(t, seg3, testSysID, 2), compress.Gzip)
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), "different content") || !strings.Contains(err.Error(), key) {
		t.Fatalf("different content: %v", err)
	}
	after, _ := storage.ReadAll(context.Background(), st, key)
	if !bytes.Equal(before, after) {
		t.Fatal("stored object changed")
	}
	if _, err := st.Stat(context.Background(), "pg/wals/0000000100000000/"+seg3+".bz2"); !errors.Is(err, storage.ErrNotExist) {
		t.Fatalf("a second copy was stored: %v", err)
	}
}

// TestIdentity: the first segment records the cluster; a history file
// does not; the record is what later segments are checked against.
func TestIdentity(t *testing.T) {
	st := &storage.Memory{}
	ctx := context.Background()
	hist := "1\t0/3000000\tno recovery target specified\n"
	if _, err := archiveWAL(t, st, "00000002.history", []byte(hist), compress.None); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := LoadIdentity(ctx, st, Layout{Server: "pg"}); ok {
		t.Fatal("a history file recorded an identity")
	}
	if _, err := archiveWAL(t, st, seg3, synth(t, seg3, testSysID, 1), compress.None); err != nil {
		t.Fatal(err)
	}
	id, ok, err := LoadIdentity(ctx, st, Layout{Server: "pg"})
	if err != nil || !ok || id.SystemID != testSysID || id.SegmentSize != segSize {
		t.Fatalf("identity %+v %v %v", id, ok, err)
	}
	raw, _ := storage.ReadAll(ctx, st, "pg/identity.json")
	if !strings.Contains(string(raw), `"system_identifier": "7300000000000000001"`) {
		t.Errorf("identity.json: %s", raw)
	}
}

// TestRestoreErrors: a missing WAL, a corrupt object and an object that
// holds another segment leave nothing at the destination.
func TestRestoreErrors(t *testing.T) {
	ctx := context.Background()
	st := &storage.Memory{}
	data := synth(t, seg3, testSysID, 1)
	if _, err := archiveWAL(t, st, seg3, data, compress.Gzip); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dest := filepath.Join(dir, "RECOVERYXLOG")
	err := RestoreWAL(ctx, st, "000000010000000000000009", dest, WALRestoreOptions{Server: "pg"})
	if !errors.Is(err, ErrWALNotFound) {
		t.Fatalf("missing: %v", err)
	}
	key := "pg/wals/0000000100000000/" + seg3 + ".gz"
	gz, _ := storage.ReadAll(ctx, st, key)
	gz[len(gz)/2] ^= 0xFF
	storage.Save(ctx, st, key, bytes.NewReader(gz), storage.CreateOptions{})
	err = RestoreWAL(ctx, st, seg3, dest, WALRestoreOptions{Server: "pg"})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), key) {
		t.Fatalf("corrupt: %v", err)
	}
	other := "pg/wals/0000000100000000/000000010000000000000005"
	storage.Save(ctx, st, other, bytes.NewReader(data), storage.CreateOptions{})
	err = RestoreWAL(ctx, st, "000000010000000000000005", dest, WALRestoreOptions{Server: "pg"})
	if !errors.Is(err, ErrRefused) || !strings.Contains(err.Error(), other) {
		t.Fatalf("misplaced: %v", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("left in the destination directory: %v", ents)
	}
}

// TestRestorePartial: a segment only archived as .partial is restored
// from it, as Barman does; a complete one is preferred.
func TestRestorePartial(t *testing.T) {
	ctx := context.Background()
	st := &storage.Memory{}
	data := synth(t, seg3, testSysID, 1)
	if _, err := archiveWAL(t, st, seg3+".partial", data, compress.Gzip); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(t.TempDir(), "x")
	if err := RestoreWAL(ctx, st, seg3, dest, WALRestoreOptions{Server: "pg"}); err != nil {
		t.Fatal(err)
	}
	full := synth(t, seg3, testSysID, 2)
	if _, err := archiveWAL(t, st, seg3, full, compress.None); err != nil {
		t.Fatal(err)
	}
	if err := RestoreWAL(ctx, st, seg3, dest, WALRestoreOptions{Server: "pg"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dest); !bytes.Equal(got, full) {
		t.Fatal("the .partial was preferred to the complete segment")
	}
}

// TestPrefetch: -p 4 puts the next three segments that exist in the spool
// (the end of the archive is no error); TakeFromSpool moves them out and
// never takes a temporary file.
func TestPrefetch(t *testing.T) {
	ctx := context.Background()
	st := &storage.Memory{}
	names := []string{seg3, "000000010000000000000004", "000000010000000000000005"}
	segs := map[string][]byte{}
	for i, n := range names {
		segs[n] = synth(t, n, testSysID, byte(i))
		if _, err := archiveWAL(t, st, n, segs[n], compress.Snappy); err != nil {
			t.Fatal(err)
		}
	}
	spool, dir := t.TempDir(), t.TempDir()
	opts := WALRestoreOptions{Server: "pg", Parallel: 4, SpoolDir: spool}
	if err := RestoreWAL(ctx, st, seg3, filepath.Join(dir, "a"), opts); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(spool)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, " ") != strings.Join(names[1:], " ") {
		t.Fatalf("spool holds %v, want %v", got, names[1:])
	}
	// A temporary file of a download in progress is never taken.
	writeFile(t, spool, ".000000010000000000000006.tmp-123", segs[names[2]][:100])
	if ok, err := TakeFromSpool(spool, "000000010000000000000006", filepath.Join(dir, "c"), nil); ok || err != nil {
		t.Fatalf("took a temporary file: %v %v", ok, err)
	}
	// A damaged spool file is dropped, not taken.
	writeFile(t, spool, "000000010000000000000007", segs[names[2]])
	if ok, err := TakeFromSpool(spool, "000000010000000000000007", filepath.Join(dir, "d"), nil); ok || err != nil {
		t.Fatalf("took another segment: %v %v", ok, err)
	}
	for _, n := range names[1:] {
		dest := filepath.Join(dir, n)
		ok, err := TakeFromSpool(spool, n, dest, nil)
		if !ok || err != nil {
			t.Fatalf("%s not taken: %v", n, err)
		}
		if data, _ := os.ReadFile(dest); !bytes.Equal(data, segs[n]) {
			t.Fatalf("%s content differs", n)
		}
		if _, err := os.Stat(filepath.Join(spool, n)); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s still in the spool (copied, not moved)", n)
		}
	}
}

// TestCheckWALArchive is Barman's check_archive_usable, plus the
// recorded identity of an emptied archive.
func TestCheckWALArchive(t *testing.T) {
	ctx := context.Background()
	st := &storage.Memory{}
	check := func(tli uint32) error { return CheckWALArchive(ctx, st, CheckOptions{Server: "pg", Timeline: tli}) }
	if err := check(0); err != nil {
		t.Fatalf("empty archive: %v", err)
	}
	storage.Save(ctx, st, "pg/wals/unrelated.txt", strings.NewReader("x"), storage.CreateOptions{})
	if err := check(0); err != nil {
		t.Fatalf("a file that is not WAL counted: %v", err)
	}
	if _, err := archiveWAL(t, st, seg3, synth(t, seg3, testSysID, 1), compress.Gzip); err != nil {
		t.Fatal(err)
	}
	storage.Save(ctx, st, "pg/wals/00000002.history", strings.NewReader("1\t0/3000000\tx\n"), storage.CreateOptions{})
	for _, c := range []struct {
		tli  uint32
		want string
	}{
		{0, "Expected empty archive"},
		{1, "Found 2 files in WAL archive equal to or newer than timeline 1"},
		{2, "Found 1 file in WAL archive equal to or newer than timeline 2"},
		{3, ""},
	} {
		err := check(c.tli)
		if c.want == "" && err != nil || c.want != "" && (!errors.Is(err, ErrArchiveNotUsable) || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("timeline %d: %v, want %q", c.tli, err, c.want)
		}
	}
	st.Remove(ctx, "pg/wals/0000000100000000/"+seg3+".gz")
	st.Remove(ctx, "pg/wals/00000002.history")
	if err := check(0); !errors.Is(err, ErrArchiveNotUsable) || !strings.Contains(err.Error(), "pg/identity.json") {
		t.Errorf("emptied archive with an identity: %v", err)
	}
}

// TestArchiveConcurrent: writers of one name with two contents race; one
// content wins, its writers succeed, the others are refused, and the
// stored object is the winners'.
func TestArchiveConcurrent(t *testing.T) {
	st := &storage.Memory{}
	a, b := synth(t, seg3, testSysID, 1), synth(t, seg3, testSysID, 2)
	dir := t.TempDir()
	pa, pb := writeFile(t, dir, seg3, a), writeFile(t, t.TempDir(), seg3, b)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := pa
			if i%2 == 1 {
				p = pb
			}
			_, errs[i] = ArchiveWAL(context.Background(), st, p, ArchiveOptions{Server: "pg", Compression: compress.Gzip})
		}()
	}
	wg.Wait()
	dest := filepath.Join(t.TempDir(), "x")
	if err := RestoreWAL(context.Background(), st, seg3, dest, WALRestoreOptions{Server: "pg"}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(dest)
	winner := 0
	if bytes.Equal(got, b) {
		winner = 1
	}
	for i, err := range errs {
		if i%2 == winner && err != nil || i%2 != winner && !errors.Is(err, ErrRefused) {
			t.Errorf("writer %d (content %d, stored %d): %v", i, i%2, winner, err)
		}
	}
}

// TestPrefetchStaleTemps: a prefetch removes the temporary files that
// killed prefetches left more than an hour ago, and only those.
func TestPrefetchStaleTemps(t *testing.T) {
	ctx := context.Background()
	st := &storage.Memory{}
	if _, err := archiveWAL(t, st, seg3, synth(t, seg3, testSysID, 1), compress.Gzip); err != nil {
		t.Fatal(err)
	}
	spool := t.TempDir()
	old := writeFile(t, spool, ".000000010000000000000009.tmp-1", []byte("x"))
	recent := writeFile(t, spool, ".00000001000000000000000A.tmp-2", []byte("x"))
	past := time.Now().Add(-2 * time.Hour)
	os.Chtimes(old, past, past)
	if err := RestoreWAL(ctx, st, seg3, filepath.Join(t.TempDir(), "x"), WALRestoreOptions{Server: "pg", Parallel: 2, SpoolDir: spool}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("recent temporary file removed: %v", err)
	}
}
