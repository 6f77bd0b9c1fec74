package cloud

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/storage"
)

// TestFreshID: an ID whose directory holds anything (a backup, or the
// leftovers of a killed one) is not reused: the next second's is taken.
func TestFreshID(t *testing.T) {
	st := &storage.Memory{}
	l := Layout{Server: "pg"}
	ctx := context.Background()
	if err := storage.Save(ctx, st, l.BackupDir("20260102T030405")+"data.tar", strings.NewReader("x"), storage.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	calls := 0
	now := func() time.Time {
		calls++
		if calls == 1 {
			return time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
		}
		return time.Date(2026, 1, 2, 3, 4, 6, 0, time.Local)
	}
	id, err := freshID(ctx, st, l, now)
	if err != nil || id != "20260102T030406" {
		t.Fatalf("freshID: %q, %v; want 20260102T030406", id, err)
	}
}
