package clitest

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
)

// TestArchivePipelineMatchesFrontEnd: the archiving pipeline of
// barman-wal-ingest(1), typed by hand with the stage binaries, leaves the
// same catalogue as `barman archive-wal`: the same xlog.db, the same files
// in wals/ byte for byte, the same archive hook calls, and incoming/
// emptied. Both are compared with a golden dump (paths normalized).
func TestArchivePipelineMatchesFrontEnd(t *testing.T) {
	for _, tc := range []struct {
		name, conf, compress string
	}{
		{"gzip", "compression = gzip", "-c gzip"},
		{"custom", "compression = custom\ncustom_compression_filter = gzip -1 -n\ncustom_decompression_filter = gzip -d\ncustom_compression_magic = 0x1f8b",
			"-c custom --custom-compression-filter 'gzip -1 -n' --custom-decompression-filter 'gzip -d' --custom-compression-magic 0x1f8b"},
		{"none", "", "-c none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dumps := map[string]string{}
			for _, how := range []string{"front-end", "pipeline"} {
				hookLog := filepath.Join(pgtest.TempDir(t), "hooks.log")
				conf, l := offlineSite(t, tc.conf+"\npre_archive_script = echo pre $BARMAN_SEGMENT $BARMAN_SIZE >> "+hookLog+
					"\npost_archive_script = echo post $BARMAN_SEGMENT $BARMAN_COMPRESSION $BARMAN_ERROR >> "+hookLog)
				dropFixed(t, l.IncomingDir(), 1, 5)
				if how == "front-end" {
					if out, errOut, code := run(t, "barman", "-c", conf, "archive-wal", "main"); code != 0 {
						t.Fatalf("archive-wal exit %d:\n%s%s", code, out, errOut)
					}
				} else {
					pipe := fmt.Sprintf("barman-wal-ingest -c %s main | barman-wal-compress --records %s | barman-wal-ingest -c %s commit main", conf, tc.compress, conf)
					if out, err := exec.Command("bash", "-c", "set -o pipefail; "+pipe).CombinedOutput(); err != nil {
						t.Fatalf("%v\n%s", err, out)
					}
				}
				dumps[how] = dumpArchive(t, l, hookLog)
			}
			if dumps["front-end"] != dumps["pipeline"] {
				t.Errorf("the pipeline's catalogue differs from archive-wal's:\n--- archive-wal\n%s--- pipeline\n%s", dumps["front-end"], dumps["pipeline"])
			}
			golden(t, "archive-pipeline-"+tc.name+".txt", dumps["front-end"])
		})
	}
}

// dropFixed drops segments as dropSegments does, with a fixed mtime (it
// is catalogued in xlog.db).
func dropFixed(t *testing.T, dir string, from, count int) {
	t.Helper()
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	for _, n := range dropSegments(t, dir, from, count) {
		if err := os.Chtimes(filepath.Join(dir, n), at, at); err != nil {
			t.Fatal(err)
		}
	}
}

// dumpArchive is what archiving left: xlog.db, every file of wals/ with
// its size and digest, the hook calls, and what stayed in incoming/.
func dumpArchive(t *testing.T, l *catalog.Layout, hookLog string) string {
	t.Helper()
	var b strings.Builder
	xlog, err := os.ReadFile(l.XlogDBPath())
	if err != nil {
		t.Fatal(err)
	}
	b.WriteString("# xlog.db\n" + string(xlog) + "# wals/\n")
	err = filepath.WalkDir(l.WALsDir(), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == filepath.Base(l.XlogDBPath()) {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(l.WALsDir(), p)
		fmt.Fprintf(&b, "%s %d %x\n", rel, len(data), sha256.Sum256(data))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hooks, _ := os.ReadFile(hookLog)
	b.WriteString("# hooks\n" + string(hooks) + "# incoming/\n")
	left, _ := os.ReadDir(l.IncomingDir())
	for _, e := range left {
		b.WriteString(e.Name() + "\n")
	}
	return b.String()
}
