package basebackup

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/throttle"
)

// TestItemThrottle: a tablespace with its own limit
// (tablespace_bandwidth_limit) is fetched through it, everything else
// through the Remote's (bandwidth_limit).
func TestItemThrottle(t *testing.T) {
	pgdata, tbs := t.TempDir(), t.TempDir()
	files := map[string]string{
		filepath.Join(pgdata, "PG_VERSION"):         "15\n",
		filepath.Join(pgdata, "base/5/16385"):       strings.Repeat("d", 1<<20),
		filepath.Join(pgdata, "global/pg_control"):  strings.Repeat("c", 8192),
		filepath.Join(tbs, "PG_15_202209061/5/123"): strings.Repeat("t", 100<<10),
	}
	for p, c := range files {
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, []byte(c), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	global, limit := throttle.New(1<<40), throttle.New(1<<40)
	items := []Item{{Root: pgdata, Exclude: Excluded}, {Root: tbs, TablespaceOID: 16400, Tablespace: "tbs1", Throttle: limit}}
	sink := &Sink{Dir: t.TempDir()}
	if _, err := Copy(context.Background(), &Remote{Throttle: global}, items, 2, nil, sink); err != nil {
		t.Fatal(err)
	}
	tbsBytes := int64(100 << 10)
	dataBytes := int64(3 + 1<<20 + 8192)
	// The tar streams add headers and padding, a few KiB.
	if s := limit.Sent(); s < tbsBytes || s > tbsBytes+64<<10 {
		t.Errorf("the tablespace's limit saw %d bytes, want its %d and the tar overhead (10 KiB records)", s, tbsBytes)
	}
	if s := global.Sent(); s < dataBytes || s > dataBytes+64<<10 {
		t.Errorf("bandwidth_limit saw %d bytes, want PGDATA's %d and the tar overhead", s, dataBytes)
	}
	if got, _ := os.ReadFile(filepath.Join(sink.Dir, "16400", "PG_15_202209061/5/123")); len(got) != int(tbsBytes) {
		t.Errorf("tablespace file copied with %d bytes", len(got))
	}
}
