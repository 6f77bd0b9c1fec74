package retention

import (
	"fmt"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/config"
)

// now is the injected current time of the tests.
var now = time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)

// bk describes a backup of a test catalogue.
type bk struct {
	status catalog.Status
	age    time.Duration // end_time = now - age
	keep   string
	begin  string // begin_wal (end_wal is the same); default from the index
}

// newCatalogue builds a catalogue of backups, oldest first, in a
// temporary barman_home (keep annotations are files there).
func newCatalogue(t testing.TB, list []bk) *backups.Catalogue {
	t.Helper()
	c := &backups.Catalogue{Layout: catalog.NewLayout(t.TempDir(), "pg", catalog.Dirs{}), Server: "pg"}
	for i, x := range list {
		id := now.Add(-x.age - time.Hour).UTC().Format("20060102T150405")
		if i > 0 && id <= c.Backups[i-1].ID {
			t.Fatalf("backup %d is not newer than the one before", i)
		}
		b := catalog.NewBackupInfo(id, "pg", "postgres")
		b.SetStatus(catalog.StatusDone)
		begin := x.begin
		if begin == "" {
			begin = fmt.Sprintf("0000000100000000000000%02X", 2*i+2)
		}
		b.SetString("begin_wal", begin)
		b.SetString("end_wal", begin)
		b.SetInt("timeline", int64(begin[7]-'0'))
		b.SetTime("end_time", now.Add(-x.age))
		c.Backups = append(c.Backups, b)
		if x.keep != "" {
			if err := c.SetKeep(b, x.keep); err != nil {
				t.Fatal(err)
			}
		}
		if x.status != "" {
			b.SetStatus(x.status)
		}
	}
	return c
}

func redundancy(n, min int) Policy {
	return Policy{RetentionPolicy: config.RetentionPolicy{Redundancy: n, Text: fmt.Sprintf("REDUNDANCY %d", n)}, MinimumRedundancy: min}
}

func window(days, min int) Policy {
	return Policy{RetentionPolicy: config.RetentionPolicy{Window: time.Duration(days) * 24 * time.Hour, Text: fmt.Sprintf("RECOVERY WINDOW OF %d DAYS", days)}, MinimumRedundancy: min}
}

const day = 24 * time.Hour
