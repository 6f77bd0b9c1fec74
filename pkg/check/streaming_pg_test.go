package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/server"
)

// pgServer configures server "main" of a streaming-only barman against pg.
func pgServer(t *testing.T, pg *pgtest.Postgres, extra string) (*config.Config, *server.Server) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "/home\n[main]\nconninfo = " + pg.ConnInfo() +
		"\nstreaming_conninfo = " + pg.ConnInfo() + "\n" + extra
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, cfg.Server("main"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, srv
}

func liveChecks(t *testing.T, cfg *config.Config, srv *server.Server) map[string]Result {
	t.Helper()
	ctx := context.Background()
	in := Input{Config: cfg, Server: srv, Catalogue: ReadCatalogue(srv)}
	in.Status, in.ConnErr = srv.LiveStatus(ctx)
	if in.ConnErr != nil {
		t.Fatal(in.ConnErr)
	}
	in.Streaming = ReadStreaming(ctx, srv)
	return results(t, in)
}

func wantCheck(t *testing.T, got map[string]Result, name string, ok bool, hint string) {
	t.Helper()
	r, found := got[name]
	if !found || r.OK != ok || !strings.Contains(r.Hint, hint) {
		t.Errorf("%s = %+v (found %v), want ok=%v hint containing %q", name, r, found, ok, hint)
	}
}

// TestStreamingChecksLive: against PostgreSQL 15, the streaming lines
// follow the slot from missing to created to streamed by a real WAL
// receiver (pg_receivewal), and receive-wal running follows the lock.
func TestStreamingChecksLive(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	cfg, srv := pgServer(t, pg, streamingOnly)

	got := liveChecks(t, cfg, srv)
	wantCheck(t, got, "PostgreSQL streaming", true, "")
	wantCheck(t, got, "replication slot", false, "replication slot 'barman' doesn't exist. Please execute 'barman receive-wal --create-slot main'")
	wantCheck(t, got, "receive-wal running", false, "no receive-wal process holds")
	wantCheck(t, got, "systemid coherence", true, "")

	// A role without the REPLICATION attribute.
	pg.SQL(t, "CREATE ROLE monitor LOGIN")
	cfgMon, srvMon := pgServer(t, pg, streamingOnly+"wal_streaming_conninfo = "+pg.ConnInfo()+" user=monitor\n")
	wantCheck(t, liveChecks(t, cfgMon, srvMon), "PostgreSQL streaming", false, "give the role the REPLICATION attribute")

	pg.SQL(t, "SELECT pg_create_physical_replication_slot('barman')")
	got = liveChecks(t, cfg, srv)
	wantCheck(t, got, "replication slot", false, "slot 'barman' not initialised")

	stop := pg.StartWALReceiver(t, srv.Streaming.Dir, "barman", srv.Streaming.Name)
	l, err := lock.Acquire(context.Background(), srv.ReceiveWALLock(), "receive-wal", 0)
	if err != nil {
		t.Fatal(err)
	}
	got = liveChecks(t, cfg, srv)
	wantCheck(t, got, "replication slot", true, "")
	wantCheck(t, got, "receive-wal running", true, "")

	stop()
	l.Unlock()
	got = liveChecks(t, cfg, srv)
	wantCheck(t, got, "replication slot", false, "slot 'barman' not active")
	wantCheck(t, got, "receive-wal running", false, "no receive-wal process holds")

	// The slot re-created further on: a gap after what was streamed.
	pg.SQL(t, "SELECT pg_drop_replication_slot('barman')")
	for range 3 {
		pg.SQL(t, "SELECT pg_switch_wal(); CREATE TABLE IF NOT EXISTS t(i int); INSERT INTO t VALUES (1)")
	}
	// A physical slot reserves WAL from the last checkpoint's redo point.
	pg.SQL(t, "CHECKPOINT")
	pg.SQL(t, "SELECT pg_create_physical_replication_slot('barman', true)")
	got = liveChecks(t, cfg, srv)
	wantCheck(t, got, "replication slot", false, "after the newest WAL barman has")
}

// TestStreamingNoWALSenders: max_wal_senders = 0 fails PostgreSQL
// streaming with the setting to change.
func TestStreamingNoWALSenders(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{Settings: map[string]string{"max_wal_senders": "0", "max_replication_slots": "0"}})
	cfg, srv := pgServer(t, pg, streamingOnly)
	got := liveChecks(t, cfg, srv)
	wantCheck(t, got, "PostgreSQL streaming", false, "max_wal_senders is 0: set it to at least 2")
}
