package restore

import (
	"archive/tar"
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/gobarman/barman/pkg/sshcmd"
)

// TestRemoteStreamsCarryDirectories: every tar stream creates the
// directories of its files before them. A stream whose tar had to create
// a missing parent itself would race the other streams' tars creating the
// same directory, and GNU tar loses that race ("Cannot open: No such file
// or directory"). Each stream is captured on its way to tar.
func TestRemoteStreamsCarryDirectories(t *testing.T) {
	for _, archived := range []bool{false, true} {
		f := newFixture(t)
		recs, _ := f.records(t)
		if archived { // a stream per archive
			f.archived(t, nil, "")
		}
		capture := t.TempDir()
		script := filepath.Join(capture, "capture")
		if err := os.WriteFile(script, []byte("#!/bin/sh\ntee \"$0.$$.tar\" | sh -c \"$1\"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		ssh, err := sshcmd.Parse(script)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Remote(context.Background(), ssh, f.dir, recs, mapping(t), Options{Jobs: 3}); err != nil {
			t.Fatal(err)
		}
		streams, _ := filepath.Glob(script + ".*.tar")
		if want := map[bool]int{false: 3, true: 2}[archived]; len(streams) != want {
			t.Fatalf("archived %v: %d streams, want %d", archived, len(streams), want)
		}
		for _, s := range streams {
			checkParentsFirst(t, s)
		}
	}
}

// checkParentsFirst fails the test if a file of the tar stream in p comes
// before a directory entry for its parent.
func checkParentsFirst(t *testing.T, p string) {
	t.Helper()
	fh, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	made := map[string]bool{}
	tr := tar.NewReader(fh)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if h.Typeflag == tar.TypeDir {
			made[path.Clean(h.Name)] = true
			continue
		}
		if parent := path.Dir(path.Clean(h.Name)); !made[parent] {
			t.Errorf("%s: %s comes before a directory entry for %s", filepath.Base(p), h.Name, parent)
		}
	}
}
