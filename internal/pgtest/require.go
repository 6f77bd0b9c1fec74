package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// InCI reports whether the environment variable CI holds a true value
// ("true", "1", ...). Under CI a missing component always fails the test.
func InCI() bool { return envTrue("CI") }

// SkipAllowed reports whether a test may skip for a missing component:
// only when BARMAN_TEST_ALLOW_SKIP holds a true value (a laptop without
// PostgreSQL, say), and never under CI.
func SkipAllowed() bool { return envTrue("BARMAN_TEST_ALLOW_SKIP") && !InCI() }

func envTrue(name string) bool {
	v, err := strconv.ParseBool(os.Getenv(name))
	return err == nil && v
}

// Unavailable stops the test because a real component it needs is missing
// (a program, root, a mount): t.Fatalf, so that `go test ./...` never
// passes without running what it claims to test; t.Skipf only with
// BARMAN_TEST_ALLOW_SKIP=1 outside CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := "pgtest: " + fmt.Sprintf(format, args...)
	if !SkipAllowed() {
		t.Fatalf("%s (tests with real components must run: install what is missing with `make deps`, or set BARMAN_TEST_ALLOW_SKIP=1 to skip them)", msg)
	}
	t.Skip(msg)
}

// Require checks that every program in paths exists: an absolute path must
// be an executable file, a bare name must be found in $PATH. what names the
// component for the message ("PostgreSQL 15", "OpenSSH server").
func Require(t testing.TB, what string, paths ...string) {
	t.Helper()
	var missing []string
	for _, p := range paths {
		if !executable(p) {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		Unavailable(t, "%s unavailable: not found: %s", what, strings.Join(missing, ", "))
	}
}

func executable(p string) bool {
	if !filepath.IsAbs(p) {
		_, err := exec.LookPath(p)
		return err == nil
	}
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0
}
