package status

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/server"
)

func loadServer(t *testing.T, extra string) *server.Server {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "\n[pg]\nconninfo = host=pg\n" + extra
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg, cfg.Server("pg"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestShowStreaming: a streaming server shows Barman 3.4's streaming
// options and live fields; a plain rsync server none of the live ones.
func TestShowStreaming(t *testing.T) {
	s := loadServer(t, "archiver = off\nstreaming_archiver = on\nslot_name = Barman\ncreate_slot = auto\n")
	live := &Live{
		Status: &postgres.Status{ServerVersion: "15.18 (Debian 15.18-0+deb12u1)", SynchronousStandbyNames: "FIRST 1 (barman_receive_wal)",
			MaxReplicationSlots: 10, HotStandby: "on", WalCompression: "off", CheckpointTimeout: 300},
		Identity: &postgres.Identity{SystemID: "7712131381569798051", Timeline: 1, XLogPos: "0/D000000"},
		Slot:     &postgres.Slot{Name: "barman", Type: "physical", Active: true, RestartLSN: "0/D000000"},
	}
	m := Show(s, live)
	want := map[string]any{
		"archiver": false, "streaming_archiver": true, "streaming_archiver_name": "barman_receive_wal",
		"streaming_archiver_batch_size": "0", "slot_name": "barman", "create_slot": "auto",
		"streaming_wals_directory": s.Streaming.Dir, "connection_error": nil,
		"streaming": true, "streaming_supported": true, "streaming_systemid": "7712131381569798051", "timeline": 1,
		"xlogpos": "0/D000000", "replication_slot_support": true,
		"replication_slot":      "Record(slot_name='barman', active=True, restart_lsn='0/D000000')",
		"max_replication_slots": 10, "hot_standby": "on", "wal_compression": "off", "checkpoint_timeout": 300,
		"pg_receivexlog_installed": true, "pg_receivexlog_compatible": true, "pg_receivexlog_supports_slots": true,
		"pg_receivexlog_synchronous": true, "pg_receivexlog_version": "15.18",
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %#v, want %#v", k, m[k], v)
		}
	}
	if names, _ := m["synchronous_standby_names"].([]string); !slices.Equal(names, []string{"barman_receive_wal"}) {
		t.Errorf("synchronous_standby_names = %#v", m["synchronous_standby_names"])
	}
	if m["pg_receivexlog_path"] == nil {
		t.Error("no pg_receivexlog_path")
	}

	// The slot missing and not yet streamed from, no replication connection.
	live.Slot, live.Identity, live.IdentityErr = nil, nil, errors.New("replication connection refused")
	m = Show(s, live)
	if m["replication_slot"] != nil || m["streaming"] != nil || m["connection_error"] != "replication connection refused" {
		t.Errorf("failed streaming: slot %v, streaming %v, connection_error %v", m["replication_slot"], m["streaming"], m["connection_error"])
	}
	live.Slot = &postgres.Slot{Name: "barman", Type: "physical"}
	if m = Show(s, live); m["replication_slot"] != "Record(slot_name='barman', active=False, restart_lsn=None)" {
		t.Errorf("uninitialised slot: %v", m["replication_slot"])
	}

	plain := Show(loadServer(t, ""), &Live{Status: &postgres.Status{ServerVersion: "15.18"}})
	for _, k := range []string{"streaming", "xlogpos", "pg_receivexlog_installed"} {
		if _, ok := plain[k]; ok {
			t.Errorf("%s shown for an rsync server without streaming", k)
		}
	}
	if plain["archiver"] != true || plain["synchronous_standby_names"] == nil {
		t.Errorf("archiver %v (forced on as Barman), synchronous_standby_names %#v", plain["archiver"], plain["synchronous_standby_names"])
	}
}
