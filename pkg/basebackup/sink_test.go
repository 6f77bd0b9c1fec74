package basebackup

import (
	"archive/tar"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/sshcmd"
)

// outsideDir is a directory beside the backup that nothing may be
// written into; emptyOutside fails the test if something was.
func outsideDir(t *testing.T) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "outside")
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	return d
}

func emptyOutside(t *testing.T, d string) {
	t.Helper()
	if entries, _ := os.ReadDir(d); len(entries) > 0 {
		t.Fatalf("%d entries written outside the backup directory, in %s", len(entries), d)
	}
}

// TestSinkBeneathLinks: after the source sent a symbolic link, nothing
// the source sends beneath it is written, by any of the sink's ways of
// writing, and the error names both paths.
func TestSinkBeneathLinks(t *testing.T) {
	prevFile := filepath.Join(t.TempDir(), "prev")
	os.WriteFile(prevFile, []byte("owned\n"), 0o600)
	for _, tc := range []struct {
		name  string
		link  string // x's target
		write func(s *Sink) error
	}{
		{"file", "", func(s *Sink) error { return s.File(Entry{Path: "x/foo", Size: 6}, strings.NewReader("owned\n")) }},
		{"deeper file", "", func(s *Sink) error { return s.File(Entry{Path: "x/a/b", Size: 6}, strings.NewReader("owned\n")) }},
		{"relative link", "../../outside", func(s *Sink) error { return s.File(Entry{Path: "x/foo", Size: 6}, strings.NewReader("owned\n")) }},
		{"directory", "", func(s *Sink) error { return s.Mkdir(Entry{Path: "x/sub", Mode: os.ModeDir | 0o700}) }},
		{"link", "", func(s *Sink) error { return s.Symlink(Entry{Path: "x/l", Mode: os.ModeSymlink | 0o777, Link: "/"}) }},
		{"reused file", "", func(s *Sink) error { return s.Link(Entry{Path: "x/foo", Size: 6}, prevFile, "sha256:00") }},
		{"hashed file", "", func(s *Sink) error { return s.Hash(Entry{Path: "x/foo", Size: 6}, strings.NewReader("owned\n")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			outside := outsideDir(t)
			dir := filepath.Join(filepath.Dir(outside), "base", "20261203T120000")
			s := &Sink{Dir: dir}
			defer s.Close()
			target := outside
			if tc.link != "" {
				target = tc.link
			}
			if err := s.Symlink(Entry{Path: "x", Mode: os.ModeSymlink | 0o777, Link: target}); err != nil {
				t.Fatal(err)
			}
			err := tc.write(s)
			if err == nil || !strings.Contains(err.Error(), "beneath data/x, a symbolic link to") || !strings.Contains(err.Error(), dir) {
				t.Fatalf("error %v, want one naming data/x and the backup directory", err)
			}
			emptyOutside(t, outside)
		})
	}
}

// TestSinkRoot: a link the sink did not record (planted in the backup
// directory by someone else) is not written through either: every write
// resolves beneath the backup directory.
func TestSinkRoot(t *testing.T) {
	outside := outsideDir(t)
	dir := filepath.Join(filepath.Dir(outside), "backup")
	os.MkdirAll(filepath.Join(dir, "data"), 0o700)
	os.Symlink(outside, filepath.Join(dir, "data", "x"))
	s := &Sink{Dir: dir}
	defer s.Close()
	if err := s.File(Entry{Path: "x/foo", Size: 6}, strings.NewReader("owned\n")); err == nil {
		t.Error("written through a planted link")
	}
	if err := s.Mkdir(Entry{Path: "x/sub", Mode: os.ModeDir | 0o700}); err == nil {
		t.Error("directory created through a planted link")
	}
	emptyOutside(t, outside)
	// A planted link in a file's place is not followed (O_NOFOLLOW).
	os.Symlink(filepath.Join(outside, "y"), filepath.Join(dir, "data", "y"))
	if err := s.File(Entry{Path: "y", Size: 3}, strings.NewReader("ok\n")); err == nil {
		t.Error("written through a planted link in the file's place")
	}
	emptyOutside(t, outside)
	if err := s.File(Entry{Path: "z", Size: 3}, strings.NewReader("ok\n")); err != nil {
		t.Error(err)
	}
}

// TestStreamHostileArchive: BASE_BACKUP's tar stream carrying a link and
// then a file beneath it is refused, and nothing is written outside.
func TestStreamHostileArchive(t *testing.T) {
	outside := outsideDir(t)
	s := fakeSession(t, true)
	err := feed(s, "base.tar", "", tarStream(t, tarFile{"x", outside, tar.TypeSymlink}, tarFile{"x/foo", "owned\n", tar.TypeReg}))
	if err == nil {
		err = s.copyDone()
	}
	if err == nil || !strings.Contains(err.Error(), "beneath data/x") {
		t.Fatalf("error %v, want one naming data/x", err)
	}
	emptyOutside(t, outside)
}

// TestCopyHostileHost: the rsync method's file list and tar stream from a
// host that lists a link and a file beneath it, or sends a file it was
// not asked for, are refused, and nothing is written outside.
func TestCopyHostileHost(t *testing.T) {
	outside := outsideDir(t)
	work := t.TempDir()
	// The "host": a shell that answers find with a listing and tar with
	// an archive, both made up.
	listing := strings.Join([]string{"d", "0", "1700000000.0", "700", "", "base",
		"l", "0", "1700000000.0", "777", outside, "x",
		"f", "6", "1700000000.0", "600", "", "x/foo"}, "\x00") + "\x00"
	os.WriteFile(filepath.Join(work, "listing"), []byte(listing), 0o600)
	var tarball []byte
	tarball = append(tarball, tarStream(t, tarFile{"x/foo", "owned\n", tar.TypeReg})...)
	tarball = append(tarball, make([]byte, 1024)...)
	os.WriteFile(filepath.Join(work, "tar"), tarball, 0o600)
	unasked := append(tarStream(t, tarFile{"base/evil", "owned\n", tar.TypeReg}), make([]byte, 1024)...)
	os.WriteFile(filepath.Join(work, "unasked"), unasked, 0o600)
	host := filepath.Join(work, "host")
	script := "#!/bin/sh\ncd " + work + "\ncase \"$*\" in *find*) cat listing ;; *tar*) cat >/dev/null; cat \"$TARFILE\" ;; esac\n"
	os.WriteFile(host, []byte(script), 0o700)
	ssh, err := sshcmd.Parse(host)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ tarfile, want string }{
		{"tar", "beneath data/x"},
		{"unasked", "was not asked for"},
	} {
		t.Setenv("TARFILE", tc.tarfile)
		dir := filepath.Join(t.TempDir(), "backup")
		sink := &Sink{Dir: dir}
		_, err = Copy(context.Background(), &Remote{SSH: ssh}, []Item{{Root: "/pgdata", Exclude: func(p string) bool { return p == "x" && tc.tarfile == "unasked" }}}, 1, nil, sink)
		sink.Close()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: error %v, want %q", tc.tarfile, err, tc.want)
		}
		emptyOutside(t, outside)
		if _, err := os.Lstat(filepath.Join(dir, "data", "base", "evil")); err == nil {
			t.Errorf("%s: a file that was not asked for was written", tc.tarfile)
		}
	}
}

// TestSinkProgressNeverPastTotal: a copy larger than the estimate taken
// before it (files grew) reports what it copied as the total, never done
// past total (a progress bar over 100%, a stage's records out of order).
func TestSinkProgressNeverPastTotal(t *testing.T) {
	s := &Sink{Dir: t.TempDir()}
	defer s.Close()
	s.SetTotal(10)
	if err := s.File(Entry{Path: "a", Size: 6}, strings.NewReader("small\n")); err != nil {
		t.Fatal(err)
	}
	if done, total := s.Progress(); done != 6 || total != 10 {
		t.Errorf("progress %d of %d, want 6 of 10", done, total)
	}
	if err := s.File(Entry{Path: "b", Size: 12}, strings.NewReader("grew since.\n")); err != nil {
		t.Fatal(err)
	}
	if done, total := s.Progress(); done != 18 || total != 18 {
		t.Errorf("progress %d of %d, want 18 of 18", done, total)
	}
}
