package pgtest

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// envUnprivileged marks the child process that WithoutRoot starts.
const envUnprivileged = "PGTEST_WITHOUT_ROOT"

// WithoutRoot lets a test see what an unprivileged user sees (a mode 0
// file that cannot be read, a directory that cannot be written), which
// root never does. Not as root, it returns true and the test goes on. As
// root, it runs the same test again in a child process (a copy of the
// test binary) as the PostgreSQL OS user, fails if the child did not pass
// it, and returns false: the caller returns.
//
//	if !pgtest.WithoutRoot(t) {
//		return // it ran as another user
//	}
func WithoutRoot(t *testing.T) bool {
	t.Helper()
	if os.Geteuid() != 0 {
		return true
	}
	if os.Getenv(envUnprivileged) != "" {
		t.Fatal("pgtest: WithoutRoot's child still runs as root")
	}
	a := pgAccount(t)
	bin := filepath.Join(TempDir(t), filepath.Base(os.Args[0]))
	if err := copyExecutable(os.Args[0], bin); err != nil {
		t.Fatalf("pgtest: copy the test binary for %s: %v", a.Name, err)
	}
	var run []string
	for _, part := range strings.Split(t.Name(), "/") {
		run = append(run, "^"+regexp.QuoteMeta(part)+"$")
	}
	cmd := exec.Command(bin, "-test.run="+strings.Join(run, "/"), "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), envUnprivileged+"=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.UID, Gid: a.GID}}
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name()+" ")) {
		t.Fatalf("pgtest: %s run again as %s (root sees no permission error): %v\n%s", t.Name(), a.Name, err, out)
	}
	t.Logf("pgtest: passed as %s", a.Name)
	return false
}

func copyExecutable(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
