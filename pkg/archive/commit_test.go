package archive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/gobarman/barman/internal/tmpfstest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/stream"
)

// placed returns records for n placed files named from first on: a small
// source in incoming/ and a copy at its dest (commit only looks at dest's
// size).
func (f *fixture) placed(t *testing.T, first, n int) []*stream.WALFile {
	var recs []*stream.WALFile
	for i := first; i < first+n; i++ {
		name := fmt.Sprintf("0000000100000000%08X", i)
		rec := &stream.WALFile{Name: name, Path: f.drop(t, name, []byte(name)), Dest: f.a.Layout.WALPath(name),
			MTime: time.Unix(1764072000, 0)}
		place(t, rec)
		recs = append(recs, rec)
	}
	return recs
}

func commitBatch(t *testing.T, f *fixture, recs []*stream.WALFile) []error {
	c, err := f.a.OpenCommitter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.CommitBatch(recs)
}

// A commit on a full disk (barman_home on a small tmpfs) fails with the
// append to xlog.db cut short: xlog.db keeps its lines and still parses,
// none of the batch counts as catalogued and the sources stay. Once there
// is space, the same batch commits.
func TestCommitFullDisk(t *testing.T) {
	home := tmpfstest.Mount(t, 4<<20)
	l := catalog.NewLayout(home, "main", catalog.Dirs{})
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	f := &fixture{a: &Archive{Layout: l, Server: "main", LockDir: home}, incoming: l.IncomingDir()}
	for _, err := range commitBatch(t, f, f.placed(t, 1, 10)) {
		if err != nil {
			t.Fatal(err)
		}
	}
	recs := f.placed(t, 11, 200)
	free := tmpfstest.Fill(t, home)
	// The append must start in xlog.db's last page, which has room, and
	// go past it: a short write.
	st, err := os.Stat(l.XlogDBPath())
	if err != nil {
		t.Fatal(err)
	}
	page := int64(os.Getpagesize())
	if room := page - st.Size()%page; room == page || int64(len(recs)*len(recs[0].Name)) <= room {
		t.Fatalf("xlog.db has %d bytes: a batch of %d lines does not cut its last page short", st.Size(), len(recs))
	}
	for i, err := range commitBatch(t, f, recs) {
		if !errors.Is(err, unix.ENOSPC) {
			t.Fatalf("commit of %s on a full disk: %v, want ENOSPC", recs[i].Name, err)
		}
	}
	checkXlogDB(t, f, recs, 10)
	for _, r := range recs {
		if _, err := os.Stat(r.Path); err != nil {
			t.Fatalf("source of an uncatalogued file: %v", err)
		}
	}
	free()
	for _, err := range commitBatch(t, f, recs) {
		if err != nil {
			t.Fatal(err)
		}
	}
	checkXlogDB(t, f, nil, 210)
	if left, _ := os.ReadDir(f.incoming); len(left) != 0 {
		t.Errorf("%d sources left after the commit", len(left))
	}
}

// checkXlogDB checks that xlog.db parses and has n lines, and that none
// of recs counts as catalogued.
func checkXlogDB(t *testing.T, f *fixture, recs []*stream.WALFile, n int) {
	t.Helper()
	entries, err := f.a.Layout.ReadXlogDB()
	if err != nil || len(entries) != n {
		data, _ := os.ReadFile(f.a.Layout.XlogDBPath())
		t.Fatalf("xlog.db: %d entries, %v, want %d; its end:\n%q", len(entries), err, n, data[max(0, len(data)-100):])
	}
	var names []string
	for _, r := range recs {
		names = append(names, r.Name)
	}
	if found, err := f.a.CataloguedAmong(names); err != nil || len(found) != 0 {
		t.Errorf("catalogued after a failed commit: %v %v", found, err)
	}
}
