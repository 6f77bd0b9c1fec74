package replstatus

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// TestReadLive: against PostgreSQL 15 with pg_receivewal streaming from a
// slot, the client is a WAL streamer with its slot, application name and
// positions; it is not a hot standby; a role without privileges is
// refused with what to grant.
func TestReadLive(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	pg.SQL(t, "SELECT pg_create_physical_replication_slot('barman')")
	pg.StartWALReceiver(t, filepath.Join(t.TempDir(), "streaming"), "barman", "barman_receive_wal")
	ctx := context.Background()

	r, err := Read(ctx, pg.ConnInfo(), All, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.ServerLSN == "" || len(r.Clients) != 1 {
		t.Fatalf("report %+v", r)
	}
	c := r.Clients[0]
	if c.ApplicationName != "barman_receive_wal" || c.SlotName != "barman" || c.IsStandby() || c.State != "streaming" ||
		c.SyncState != "async" || c.ClientAddr != "127.0.0.1" || c.UserName != "postgres" || c.PID == 0 ||
		c.SentLSN == "" || c.CurrentLSN == "" || c.BackendStart.IsZero() {
		t.Errorf("client %+v", c)
	}
	if !strings.HasSuffix(c.SyncStage(), "/3 Remote write") && !strings.HasSuffix(c.SyncStage(), "/3 WAL Sent (min)") && c.SyncStage() != "1/3 1-safe" {
		t.Errorf("sync stage %q", c.SyncStage())
	}
	if r, err := Read(ctx, pg.ConnInfo(), WALStreamer, 0); err != nil || len(r.Clients) != 1 {
		t.Errorf("wal-streamer: %v %+v", err, r)
	}
	if r, err := Read(ctx, pg.ConnInfo(), HotStandby, 0); err != nil || len(r.Clients) != 0 {
		t.Errorf("hot-standby: %v %+v", err, r)
	}

	pg.SQL(t, "CREATE ROLE monitor LOGIN")
	_, err = Read(ctx, pg.ConnInfo()+" user=monitor", All, 0)
	if err == nil || !strings.Contains(err.Error(), "postgres user 'monitor' is missing required privileges") {
		t.Errorf("unprivileged: %v", err)
	}
}
