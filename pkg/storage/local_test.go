package storage_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/storagetest"
)

// killChildEnv names the root a re-executed test binary writes into
// before it is killed (TestLocalKilledWriter).
const killChildEnv = "STORAGE_TEST_KILLED_WRITER_ROOT"

func TestMain(m *testing.M) {
	if root := os.Getenv(killChildEnv); root != "" {
		killedWriter(root)
		return
	}
	os.Exit(m.Run())
}

// killedWriter writes part of a blob, tells its parent over fd 3, and
// goes on writing (up to 64 MiB, then waits) until it is killed: neither
// Commit nor Abort ever runs.
func killedWriter(root string) {
	s := &storage.Local{Root: root}
	w, err := s.Create(context.Background(), "wals/0000000100000000/000000010000000000000001", storage.CreateOptions{})
	if err != nil {
		os.Exit(2)
	}
	chunk := make([]byte, 64<<10)
	for i := 0; i < 1024; i++ {
		if _, err := w.Write(chunk); err != nil {
			os.Exit(3)
		}
		if i == 15 { // 1 MiB written
			os.NewFile(3, "ready").WriteString("ready\n")
		}
	}
	select {}
}

// A writer killed mid-write (SIGKILL: no deferred Abort runs) leaves no
// blob that List, Open or Stat show; its temporary file stays on disk
// until Cleanup removes it.
func TestLocalKilledWriter(t *testing.T) {
	root := t.TempDir()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+root)
	cmd.ExtraFiles = []*os.File{pw}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	line, err := bufio.NewReader(pr).ReadString('\n')
	if line != "ready\n" {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the child did not get to write (%q, %v)", line, err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child: %v, want killed", err)
	}
	s := &storage.Local{Root: root}
	storagetest.AssertAbsent(t, s, "wals/0000000100000000/000000010000000000000001")
	temps := tempFiles(t, root)
	if len(temps) != 1 {
		t.Fatalf("temporary files %q: want the killed writer's one (was it killed mid-write?)", temps)
	}
	if st, err := os.Stat(temps[0]); err != nil || st.Size() < 1<<20 {
		t.Fatalf("the killed writer's file: %v %v", st, err)
	}
	n, err := s.Cleanup(context.Background(), 0)
	if err != nil || n != 1 {
		t.Fatalf("cleanup removed %d: %v", n, err)
	}
	if temps := tempFiles(t, root); len(temps) != 0 {
		t.Errorf("left after cleanup: %q", temps)
	}
}

func tempFiles(t *testing.T, root string) []string {
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && fsutil.IsTemp(d.Name()) {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Cleanup leaves a live writer's young temporary file alone, and any
// hidden file that is not a temporary one.
func TestLocalCleanupKeepsYoung(t *testing.T) {
	root := t.TempDir()
	s := &storage.Local{Root: root}
	w, err := s.Create(context.Background(), "a/b", storage.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	os.WriteFile(filepath.Join(root, ".keep"), nil, 0o600)
	if n, err := s.Cleanup(context.Background(), 1<<40); err != nil || n != 0 {
		t.Fatalf("cleanup removed %d: %v", n, err)
	}
	w.Write([]byte("x"))
	if err := w.Commit(); err != nil {
		t.Fatalf("commit after cleanup: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, ".keep")); err != nil {
		t.Error(err)
	}
}

// Files and directories get the modes asked for, and the blob is the
// file LocalPath names.
func TestLocalModes(t *testing.T) {
	root := t.TempDir()
	s := &storage.Local{Root: root, Perm: 0o644, DirPerm: 0o755}
	storagetest.Save(t, s, "base/ID/backup.info", "x")
	p, err := s.LocalPath("base/ID/backup.info")
	if err != nil || p != filepath.Join(root, "base", "ID", "backup.info") {
		t.Fatalf("LocalPath = %q, %v", p, err)
	}
	for path, want := range map[string]os.FileMode{p: 0o644, filepath.Dir(p): 0o755 | os.ModeDir} {
		st, err := os.Stat(path)
		if err != nil || st.Mode() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, st.Mode(), err, want)
		}
	}
	if _, err := s.LocalPath("../x"); err == nil {
		t.Error("LocalPath accepted ../x")
	}
}

// A copy from a file keeps copy_file_range: the writer is an
// io.ReaderFrom, so io.Copy hands it the *os.File.
func TestLocalWriterReadFrom(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte(strings.Repeat("w", 1<<20)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &storage.Local{Root: filepath.Join(dir, "root")}
	w, err := s.Create(context.Background(), "x", storage.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Abort()
	rf, ok := w.(io.ReaderFrom)
	if !ok {
		t.Fatal("the local writer is not an io.ReaderFrom")
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := rf.ReadFrom(f); err != nil || n != 1<<20 {
		t.Fatalf("ReadFrom: %d, %v", n, err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if got := storagetest.Read(t, s, "x"); got != strings.Repeat("w", 1<<20) {
		t.Errorf("read %d bytes", len(got))
	}
}

// A symbolic link is listed as what it points to, as Open follows it: a
// backup directory linked from elsewhere is a prefix, a dangling link
// nothing.
func TestLocalListFollowsLinks(t *testing.T) {
	root := t.TempDir()
	elsewhere := t.TempDir()
	s := &storage.Local{Root: root}
	storagetest.Save(t, s, "base/a/backup.info", "a")
	os.WriteFile(filepath.Join(elsewhere, "backup.info"), []byte("b"), 0o600)
	os.Symlink(elsewhere, filepath.Join(root, "base", "b"))
	os.Symlink(filepath.Join(elsewhere, "backup.info"), filepath.Join(root, "base", "c"))
	os.Symlink(filepath.Join(root, "nowhere"), filepath.Join(root, "base", "d"))
	got := strings.Join(storagetest.Names(t, s, "base/", storage.ListOptions{Delimiter: "/"}), ",")
	if got != "base/a/,base/b/,base/c" {
		t.Errorf("list = %s", got)
	}
	if got := storagetest.Read(t, s, "base/b/backup.info"); got != "b" {
		t.Errorf("read through the link: %q", got)
	}
}
