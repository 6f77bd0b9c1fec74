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
// ("true", "1", ...). Under CI a missing component fails the test instead
// of skipping it.
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Unavailable stops the test because a real component it needs is missing:
// t.Skipf normally, t.Fatalf when CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := "pgtest: " + fmt.Sprintf(format, args...)
	if InCI() {
		t.Fatalf("%s (CI=true: tests with real components must run)", msg)
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
