package walingest

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

const nobody = 65534

// TestPullSpoolOwnership: pull hands out a prefetched file only from a
// spool that the PostgreSQL user alone can write into, the rule push
// --async applies to its status files. A refused spool is an error with a
// hint, and the planted file stays where it is.
func TestPullSpoolOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		pgtest.Unavailable(t, "root needed to give the spool to another uid")
	}
	const wal = "000000010000000000000007"
	for _, tc := range []struct {
		name                 string
		rootMode, serverMode os.FileMode
		rootUID, serverUID   int // -1: this process's
		refused              bool
	}{
		{"private", 0o700, 0o700, -1, -1, false},
		{"root's sticky parent, like /var/tmp", 0o777 | os.ModeSticky, 0o700, 0, -1, false},
		{"server directory writable by others", 0o700, 0o777, -1, -1, true},
		{"server directory writable by its group", 0o700, 0o770, -1, -1, true},
		{"server directory of another uid", 0o755, 0o700, -1, nobody, true},
		{"parent writable by others", 0o777, 0o700, -1, -1, true},
		{"parent of another uid", 0o755, 0o700, nobody, -1, true},
		{"sticky parent of another uid", 0o777 | os.ModeSticky, 0o700, nobody, -1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "spool")
			planted := filepath.Join(root, "main", wal)
			mkdirOwned(t, root, tc.rootMode, tc.rootUID)
			mkdirOwned(t, filepath.Dir(planted), tc.serverMode, tc.serverUID)
			if err := os.WriteFile(planted, []byte("planted, not WAL"), 0o600); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(base, "dest")
			var stdout, stderr bytes.Buffer
			// ssh that fails: nothing may be fetched, only the spool used.
			code := Main([]string{"pull", "--ssh", "false", "--spool-dir", root, "main", wal, dest}, nil, &stdout, &stderr)
			_, destErr := os.Stat(dest)
			_, plantedErr := os.Stat(planted)
			switch {
			case !tc.refused && (code != 0 || destErr != nil):
				t.Errorf("a good spool: exit %d, dest %v: %s", code, destErr, stderr.String())
			case tc.refused && (code == 0 || destErr == nil || plantedErr != nil):
				t.Errorf("exit %d, dest %v, planted file %v: want the spool left unused and the planted file left", code, destErr, plantedErr)
			case tc.refused && (!strings.Contains(stderr.String(), "not using the spool") || !strings.Contains(stderr.String(), "belongs to uid") || !strings.Contains(stderr.String(), "hint: it must belong to the PostgreSQL user") ||
				!strings.Contains(stderr.String(), "--spool-dir")):
				t.Errorf("refusal without a clear error and hint:\n%s", stderr.String())
			}
		})
	}
}

// TestPullNoSpool: without -p and no spool directory, pull creates none
// and fetches directly (here with an ssh that fails).
func TestPullNoSpool(t *testing.T) {
	root := filepath.Join(t.TempDir(), "spool")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"pull", "--ssh", "false", "--spool-dir", root, "main", "000000010000000000000007", filepath.Join(t.TempDir(), "d")}, nil, &stdout, &stderr)
	if _, err := os.Stat(root); err == nil || code == 0 {
		t.Errorf("exit %d, spool %s created (%v): %s", code, root, err, stderr.String())
	}
}

// mkdirOwned makes dir with mode, owned by uid (-1: left as it is).
func mkdirOwned(t *testing.T, dir string, mode os.FileMode, uid int) {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if uid >= 0 {
		if err := os.Chown(dir, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dir, mode); err != nil { // the sticky bit too
		t.Fatal(err)
	}
}
