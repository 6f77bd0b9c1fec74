package barman

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/server"
)

// mask hides what changes from run to run in replication-status output:
// LSNs, their distances, the sync stage, pids, ports and times.
func maskReplication(s string) string {
	for _, r := range []struct{ re, to string }{
		{`Sync stage      : \d/3 [^\n]*`, "Sync stage      : S"},
		{`[0-9A-F]+/[0-9A-F]+`, "X/X"},
		{`\(diff: [^)]*\)`, "(diff: D)"},
		{`(PID  : |Port: )\d+`, "${1}N"},
		{`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d`, "TIME"},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.to)
	}
	return s
}

// streamingSetup starts PostgreSQL 15 with pg_receivewal streaming from
// slot barman as barman_receive_wal into the streaming directory of
// server main, and returns a run function for barman commands on it
// (masked output, failing the test on a non-zero exit when ok is set).
func streamingSetup(t *testing.T) (conf string, run func(ok bool, args ...string) string) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	pg.SQL(t, "SELECT pg_create_physical_replication_slot('barman')")
	dir := t.TempDir()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	conf = filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "/home\nbarman_user = " + u.Username + "\n[main]\nconninfo = " + pg.ConnInfo() +
		"\nbackup_method = postgres\nstreaming_archiver = on\nslot_name = barman\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	pg.StartWALReceiver(t, filepath.Join(dir, "home", "main", "streaming"), "barman", "barman_receive_wal")
	return conf, func(ok bool, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Main(append([]string{"-c", conf}, args...), strings.NewReader(""), &out, &errb); ok && (code != 0 || errb.Len() > 0) {
			t.Fatalf("%v: exit %d, %s\n%s", args, code, errb.String(), out.String())
		}
		return maskReplication(out.String())
	}
}

// TestReplicationStatusLive: barman replication-status against PostgreSQL
// 15 with pg_receivewal streaming as barman_receive_wal, in Barman's
// console, minimal and JSON outputs.
func TestReplicationStatusLive(t *testing.T) {
	conf, runMasked := streamingSetup(t)
	run := func(args ...string) string { t.Helper(); return runMasked(true, args...) }
	want := `Status of streaming clients for server 'main':
  Current LSN on master: X/X
  Number of streaming clients: 1

  1. Async WAL streamer
     Application name: barman_receive_wal
     Sync stage      : S
     Communication   : TCP/IP
     IP Address      : 127.0.0.1 / Port: N / Host: -
     User name       : postgres
     Current state   : streaming (async)
     Replication slot: barman
     WAL sender PID  : N
     Started at      : TIME
     Sent LSN   : X/X (diff: D)
     Write LSN  : X/X (diff: D)
     Flush LSN  : X/X (diff: D)
`
	if got := run("replication-status", "main"); got != want {
		t.Errorf("console:\n%s", firstDiff(got, want))
	}
	want = "Wal streamers for master 'main' (LSN @ X/X):\n  1. W) postgres@127.0.0.1 S:X/X W:X/X P:0 AN:barman_receive_wal\n"
	if got := run("replication-status", "--minimal", "--target", "wal-streamer", "--source", "wal-host", "all"); got != want {
		t.Errorf("minimal:\n%s", firstDiff(got, want))
	}
	if got, want := run("replication-status", "--target", "hot-standby", "main"), "Status of hot standby servers for server 'main':\n  Current LSN on master: X/X\n  No hot standby servers attached\n"; got != want {
		t.Errorf("hot-standby:\n%s", firstDiff(got, want))
	}
	var out, errb bytes.Buffer
	if code := Main([]string{"-c", conf, "-f", "json", "replication-status", "main"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("json: exit %d, %s", code, errb.String())
	}
	var doc map[string]map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("json: %v: %s", err, out.String())
	}
	m := doc["main"]
	clients, _ := m["streaming_clients"].([]any)
	if len(clients) != 1 || m["server_lsn"] == nil {
		t.Fatalf("json: %s", out.String())
	}
	c := clients[0].(map[string]any)
	for k, v := range c {
		switch {
		case strings.HasSuffix(k, "_lsn_diff_bytes"), k == "port", k == "wal_sender_pid":
			if n, ok := v.(float64); !ok || n != float64(int64(n)) {
				t.Errorf("json %s = %v, want an integer", k, v)
			}
			c[k] = 0.0
		case strings.HasSuffix(k, "_lsn"), strings.HasSuffix(k, "_lsn_diff"), k == "sync_stage", k == "started_at":
			if s, ok := v.(string); !ok || s == "" {
				t.Errorf("json %s = %v", k, v)
			}
			c[k] = "M"
		}
	}
	got, _ := json.Marshal(c)
	sameJSON(t, "json", string(got), `{"name": "Async WAL streamer", "application_name": "barman_receive_wal", "sync_stage": "M",
		"communication": "TCP/IP", "ip_address": "127.0.0.1", "port": 0, "host": null, "user_name": "postgres",
		"current_state": "streaming", "current_sync_state": "async", "replication_slot": "barman",
		"wal_sender_pid": 0, "started_at": "M",
		"sent_lsn": "M", "sent_lsn_diff": "M", "sent_lsn_diff_bytes": 0, "write_lsn": "M", "write_lsn_diff": "M", "write_lsn_diff_bytes": 0,
		"flush_lsn": "M", "flush_lsn_diff": "M", "flush_lsn_diff_bytes": 0}`)
}

// TestStreamingShowAndCheckLive: show-server and check of a streaming
// server against PostgreSQL 15 with a WAL streamer on its slot: Barman's
// streaming fields, and the check lines following the receive-wal lock.
func TestStreamingShowAndCheckLive(t *testing.T) {
	conf, run := streamingSetup(t)
	out := run(true, "show-server", "main")
	for _, want := range []string{"\tstreaming_archiver: True", "\tarchiver: False", "\tslot_name: barman", "\tcreate_slot: manual",
		"\tstreaming: True", "\tstreaming_supported: True", "\ttimeline: 1", "\txlogpos: X/X", "\treplication_slot_support: True",
		"\treplication_slot: Record(slot_name='barman', active=True, restart_lsn='X/X')", "\tsynchronous_standby_names: ['']",
		"\tpg_receivexlog_installed: True", "\tpg_receivexlog_synchronous: False", "\tconnection_error: None",
		"\tstreaming_archiver_name: barman_receive_wal"} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("show-server lacks %q:\n%s", want, out)
		}
	}
	out = run(false, "check", "main")
	for _, want := range []string{"\tPostgreSQL streaming: OK", "\treplication slot: OK", "\tpg_receivexlog: OK",
		"\tpg_receivexlog compatible: OK", "\treceive-wal running: FAILED (no receive-wal process holds"} {
		if !strings.Contains(out, want) {
			t.Errorf("check lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "archive_mode") || strings.Contains(out, "configuration: FAILED") {
		t.Errorf("streaming-only check:\n%s", out)
	}
	s, err := loadTestServer(conf)
	if err != nil {
		t.Fatal(err)
	}
	l, err := lock.Acquire(context.Background(), s.ReceiveWALLock(), "receive-wal", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock()
	if out = run(false, "check", "main"); !strings.Contains(out, "\treceive-wal running: OK\n") {
		t.Errorf("lock held:\n%s", out)
	}
}

func loadTestServer(conf string) (*server.Server, error) {
	cfg, err := config.Load(conf)
	if err != nil {
		return nil, err
	}
	return server.New(cfg, cfg.Server("main"))
}
