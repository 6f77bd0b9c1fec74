package check

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/server"
	"github.com/jackc/pgx/v5/pgconn"
)

const streamingOnly = "archiver = off\nstreaming_archiver = on\nslot_name = barman\n"

// streamingHealthy is a streaming server whose receive-wal runs on an
// active slot at the WAL barman has.
func streamingHealthy() *Streaming {
	return &Streaming{Identity: &postgres.Identity{SystemID: "42", Timeline: 1, XLogPos: "0/4000060"}, Conninfo: "conninfo",
		Slot:       &postgres.Slot{Name: "barman", Type: "physical", Active: true, ActivePID: 99, RestartLSN: "0/4000000", WALStatus: "reserved"},
		ReceiveWAL: true, ReceiveWALPID: 1234}
}

func TestStreamingChecks(t *testing.T) {
	wals := map[string]bool{"000000010000000000000003": true, "000000010000000000000004": true, "00000001.history": true}
	cases := []struct {
		name      string
		extra     string
		status    func(*postgres.Status)
		streaming func(*Streaming)
		cat       *Catalogue
		check     string
		ok        bool
		hint      string
	}{
		{"healthy slot", streamingOnly, nil, nil, nil, "replication slot", true, ""},
		{"streaming connection", streamingOnly, nil, nil, nil, "PostgreSQL streaming", true, ""},
		{"streaming refused by pg_hba", streamingOnly, nil, func(s *Streaming) {
			s.Identity, s.Err = nil, fmt.Errorf("replication connection: %w", &pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for replication connection from host "127.0.0.1", user "barman"`})
		}, nil, "PostgreSQL streaming", false, "add a 'host replication <user> <barman address>/32"},
		{"no replication privilege", streamingOnly, nil, func(s *Streaming) {
			s.Identity, s.Err = nil, &pgconn.PgError{Code: "42501", Message: "permission denied to start WAL sender"}
		}, nil, "PostgreSQL streaming", false, "ALTER ROLE <user> REPLICATION"},
		{"streaming unreachable", streamingOnly, nil, func(s *Streaming) {
			s.Identity, s.Err, s.Conninfo = nil, errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), "streaming_conninfo"
		}, nil, "PostgreSQL streaming", false, "connection refused; check host and port in streaming_conninfo"},
		{"max_wal_senders = 0", streamingOnly, func(s *postgres.Status) { s.MaxWalSenders = 0 }, func(s *Streaming) {
			s.Identity, s.Err = nil, &pgconn.PgError{Code: "53300", Message: "number of requested standby connections exceeds max_wal_senders (currently 0)"}
		}, nil, "PostgreSQL streaming", false, "max_wal_senders is 0: set it to at least 2"},
		{"every wal sender in use", streamingOnly, nil, func(s *Streaming) {
			s.Identity, s.Err = nil, &pgconn.PgError{Code: "53300", Message: "number of requested standby connections exceeds max_wal_senders (currently 2)"}
		}, nil, "PostgreSQL streaming", false, "raise max_wal_senders"},
		{"slot missing", streamingOnly, nil, func(s *Streaming) { s.Slot = nil }, nil, "replication slot", false,
			"replication slot 'barman' doesn't exist. Please execute 'barman receive-wal --create-slot main'"},
		{"slot missing, created by cron", streamingOnly + "create_slot = auto\n", nil, func(s *Streaming) { s.Slot = nil }, nil, "replication slot", false,
			"or let 'barman cron' create it"},
		{"slot logical", streamingOnly, nil, func(s *Streaming) { s.Slot.Type = "logical" }, nil, "replication slot", false, "is a logical slot"},
		{"slot not initialised", streamingOnly, nil, func(s *Streaming) { s.Slot.RestartLSN, s.Slot.Active = "", false }, nil, "replication slot", false,
			"slot 'barman' not initialised: is 'receive-wal' running?"},
		{"slot inactive", streamingOnly, nil, func(s *Streaming) { s.Slot.Active = false }, &Catalogue{WALs: wals}, "replication slot", false,
			"slot 'barman' not active: is 'receive-wal' running?"},
		{"slot lost WAL", streamingOnly, nil, func(s *Streaming) { s.Slot.WALStatus = "lost" }, nil, "replication slot", false, "receive-wal --reset main"},
		{"slot unreadable", streamingOnly, nil, func(s *Streaming) { s.SlotErr = errors.New("permission denied") }, nil, "replication slot", false, "can read pg_replication_slots"},
		{"slot right after the newest WAL", streamingOnly, nil, func(s *Streaming) { s.Slot.RestartLSN = "0/5000000" }, &Catalogue{WALs: wals}, "replication slot", true, ""},
		{"slot ahead: a gap", streamingOnly, nil, func(s *Streaming) { s.Slot.RestartLSN = "0/6000028" }, &Catalogue{WALs: wals}, "replication slot", false,
			"slot 'barman' restarts at 0/6000028, after the newest WAL barman has (000000010000000000000004)"},
		{"gap hint", streamingOnly, nil, func(s *Streaming) { s.Slot.RestartLSN = "1/0" }, &Catalogue{WALs: wals}, "replication slot", false,
			"run 'barman receive-wal --reset main'"},
		{"slot ahead, nothing received yet", streamingOnly, nil, func(s *Streaming) { s.Slot.RestartLSN = "1/0" }, &Catalogue{}, "replication slot", true, ""},
		{"unneeded slot warns", "slot_name = barman\n", nil, nil, nil, "replication slot", true,
			"WARNING: slot 'barman' is active but not required by the current config"},
		{"receive-wal running", streamingOnly, nil, nil, nil, "receive-wal running", true, ""},
		{"receive-wal not running", streamingOnly, nil, func(s *Streaming) { s.ReceiveWAL = false }, nil, "receive-wal running", false,
			"no receive-wal process holds "},
		{"pg_receivexlog built in", streamingOnly, nil, nil, nil, "pg_receivexlog", true, ""},
		{"pg_receivexlog compatible", streamingOnly, nil, nil, nil, "pg_receivexlog compatible", true, ""},
		{"streaming only needs a slot", "archiver = off\nstreaming_archiver = on\n", nil, nil, nil, "configuration", false,
			"Streaming-only archiver requires 'streaming_conninfo' and 'slot_name' options to be properly configured"},
		{"streaming only with a slot", streamingOnly, nil, nil, nil, "configuration", true, ""},
		{"other cluster on the replication connection", streamingOnly, nil, func(s *Streaming) { s.Identity.SystemID = "7" }, &Catalogue{}, "systemid coherence", false,
			"is the streaming DSN targeting the same server"},
		{"streaming files with streaming off", "", nil, nil, &Catalogue{Streaming: 2}, "empty streaming directory", false, "must be empty when streaming_archiver=off"},
		{"incoming files with archiver off", streamingOnly, nil, nil, &Catalogue{Incoming: 1}, "empty incoming directory", false, "must be empty when archiver=off"},
		{"postgres method checks streaming", "backup_method = postgres\n", nil, nil, nil, "PostgreSQL streaming", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, srv := loadServer(t, c.extra)
			st := healthy()
			st.MaxWalSenders, st.WalSegmentSize = 10, 16<<20
			if c.status != nil {
				c.status(st)
			}
			str := streamingHealthy()
			if c.streaming != nil {
				c.streaming(str)
			}
			got := results(t, Input{Config: cfg, Server: srv, Status: st, Catalogue: c.cat, Streaming: str})
			r, ok := got[c.check]
			if !ok {
				t.Fatalf("no %q check in %v", c.check, got)
			}
			if r.OK != c.ok || !strings.Contains(r.Hint, c.hint) {
				t.Errorf("%s = %s (%s), want ok=%v hint containing %q", c.check, r.Status(), r.Hint, c.ok, c.hint)
			}
		})
	}
}

// TestStreamingOrder: a streaming-only server gets Barman 3.4's lines in
// Barman's relative order, and none of archive_command's.
func TestStreamingOrder(t *testing.T) {
	cfg, srv := loadServer(t, streamingOnly)
	st := healthy()
	st.MaxWalSenders, st.WalSegmentSize = 10, 16<<20
	var names []string
	for _, r := range Run(context.Background(), Input{Config: cfg, Server: srv, Status: st, Streaming: streamingHealthy(), Now: func() time.Time { return time.Now() }}) {
		names = append(names, r.Name)
	}
	want := []string{"PostgreSQL", "superuser or standard user with backup privileges", "PostgreSQL streaming", "wal_level", "replication slot"}
	if !slices.Equal(names[:len(want)], want) {
		t.Errorf("first checks %q, want %q", names[:len(want)], want)
	}
	i := slices.Index(names, "pg_receivexlog")
	if i < 0 || !slices.Equal(names[i:i+3], []string{"pg_receivexlog", "pg_receivexlog compatible", "receive-wal running"}) || names[i+3] != "archiver errors" {
		t.Errorf("archiver checks %q", names)
	}
	for _, n := range []string{"archive_mode", "archive_command", "continuous archiving"} {
		if slices.Contains(names, n) {
			t.Errorf("%s checked on a streaming-only server", n)
		}
	}
	// Both archivers: the streaming one first, then archive_command's.
	cfg, srv = loadServer(t, "archiver = on\nstreaming_archiver = on\nslot_name = barman\n")
	names = nil
	for _, r := range Run(context.Background(), Input{Config: cfg, Server: srv, Status: st, Streaming: streamingHealthy()}) {
		names = append(names, r.Name)
	}
	if a, b := slices.Index(names, "receive-wal running"), slices.Index(names, "archive_mode"); a < 0 || b < a {
		t.Errorf("both archivers: %q", names)
	}
}

// TestReceiveWALWithoutConnection: whether receive-wal runs is a local
// fact, checked even when PostgreSQL is unreachable.
func TestReceiveWALWithoutConnection(t *testing.T) {
	cfg, srv := loadServer(t, streamingOnly)
	str := &Streaming{Err: errors.New("connection refused"), SlotErr: errors.New("connection refused")}
	got := results(t, Input{Config: cfg, Server: srv, ConnErr: errors.New("connection refused"), Streaming: str})
	if r, ok := got["receive-wal running"]; !ok || r.OK {
		t.Errorf("receive-wal running = %+v", r)
	}
	if _, ok := got["replication slot"]; ok {
		t.Error("replication slot checked without a connection")
	}
}

// TestReadStreamingWithoutConninfo: no connection string is an error, not
// a connection to libpq's default server.
func TestReadStreamingWithoutConninfo(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "/home\n[main]\n" + streamingOnly
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
	t.Setenv("PGHOST", "/nonexistent") // were libpq's defaults used, the error would name it
	st := ReadStreaming(context.Background(), srv)
	if st.Err == nil || st.Err.Error() != `conninfo is not set for server "main"` || st.Identity != nil {
		t.Errorf("identity: %v", st.Err)
	}
	if st.SlotErr == nil || !strings.Contains(st.SlotErr.Error(), "conninfo is not set") {
		t.Errorf("slot: %v", st.SlotErr)
	}
}

func TestJSONName(t *testing.T) {
	for name, want := range map[string]string{"receive-wal running": "receive_wal_running", "PostgreSQL streaming": "postgresql_streaming",
		"pg_receivexlog compatible": "pg_receivexlog_compatible", "superuser or standard user with backup privileges": "superuser_or_standard_user_with_backup_privileges"} {
		if got := JSONName(name); got != want {
			t.Errorf("JSONName(%q) = %q, want %q", name, got, want)
		}
	}
}
