package pgtest_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// TestWithoutRoot: the rest of the test sees the permission errors root
// never gets; as root, it ran again as the PostgreSQL OS user.
func TestWithoutRoot(t *testing.T) {
	if !pgtest.WithoutRoot(t) {
		return
	}
	if os.Geteuid() == 0 {
		t.Fatal("still root")
	}
	p := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(p, []byte("x"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := os.ReadFile(p); !errors.Is(err, fs.ErrPermission) {
		t.Fatalf("reading a mode 0 file: %v, want permission denied", err)
	}
}
