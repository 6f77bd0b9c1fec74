package backups

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
)

// sample is Barman 3.4's catalogue (pg: 20261125T152849, kept "full",
// and 20261125T152856 'second-backup'; pgfail: one FAILED backup).
const sample = "../catalog/testdata/barman34"

func loadSample(t *testing.T, server string) (*Catalogue, []catalog.WALEntry) {
	t.Helper()
	l := catalog.NewLayout(sample, server, catalog.Dirs{})
	c, err := Load(l)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := l.ReadXlogDB()
	if err != nil {
		t.Fatal(err)
	}
	return c, entries
}

// mk returns a backup.info for tests: kv are key, raw value pairs.
func mk(t *testing.T, id string, status catalog.Status, kv ...string) *catalog.BackupInfo {
	t.Helper()
	b := catalog.NewBackupInfo(id, "pg", "postgres")
	b.SetStatus(status)
	for i := 0; i+1 < len(kv); i += 2 {
		if err := b.Set(kv[i], kv[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// done returns a DONE backup with its WAL range and timeline.
func done(t *testing.T, id, begin, end string) *catalog.BackupInfo {
	return mk(t, id, catalog.StatusDone, "begin_wal", begin, "end_wal", end, "timeline", begin[7:8])
}

// newCat returns a catalogue of backups in a temporary barman_home.
func newCat(t *testing.T, list ...*catalog.BackupInfo) *Catalogue {
	l := catalog.NewLayout(t.TempDir(), "pg", catalog.Dirs{})
	return &Catalogue{Layout: l, Server: "pg", Backups: list}
}

// keep writes a keep annotation for backup id.
func keep(t *testing.T, c *Catalogue, id, target string) {
	t.Helper()
	p := c.KeepPath(id)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(target), 0o644); err != nil {
		t.Fatal(err)
	}
}

// wal returns an xlog.db entry.
func wal(name string, size int64, time float64) catalog.WALEntry {
	return catalog.WALEntry{Name: name, Size: size, Time: time, Compression: "gzip"}
}

func names(entries []catalog.WALEntry) []string {
	out := []string{}
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}
