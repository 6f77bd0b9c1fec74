package basebackup

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/postgres"
)

// keepAlive runs its query on the connection that holds the backup open,
// seen from another session in pg_stat_activity, and stops when told.
func TestKeepAlive(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	ctx := context.Background()
	c, err := postgres.Connect(ctx, pg.ConnInfo())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	pid := c.PGX().PgConn().PID()
	last := func() string {
		return pg.SQL(t, fmt.Sprintf("SELECT query FROM pg_stat_activity WHERE pid = %d", pid))
	}
	if _, err := c.PGX().Exec(ctx, "SELECT 42"); err != nil {
		t.Fatal(err)
	}
	stop := keepAlive(ctx, c, 20*time.Millisecond)
	for deadline := time.Now().Add(10 * time.Second); last() != KeepAliveQuery; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no keepalive query in 10 s: last query %q", last())
		}
	}
	stop()
	// Stopped: the connection is ours again.
	if _, err := c.PGX().Exec(ctx, "SELECT 43"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if q := last(); q != "SELECT 43" {
		t.Errorf("after stop, the last query is %q", q)
	}
	keepAlive(ctx, c, 0)() // 0: none, and stop returns at once
}
