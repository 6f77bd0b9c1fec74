package barman

import (
	"bytes"
	"encoding/json"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
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

// TestReplicationStatusLive: barman replication-status against PostgreSQL
// 15 with pg_receivewal streaming as barman_receive_wal, in Barman's
// console, minimal and JSON outputs.
func TestReplicationStatusLive(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	pg.SQL(t, "SELECT pg_create_physical_replication_slot('barman')")
	dir := t.TempDir()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "/home\nbarman_user = " + u.Username + "\n[main]\nconninfo = " + pg.ConnInfo() +
		"\nbackup_method = postgres\nstreaming_archiver = on\nslot_name = barman\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	pg.StartWALReceiver(t, filepath.Join(dir, "home", "main", "streaming"), "barman", "barman_receive_wal")
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if code := Main(append([]string{"-c", conf}, args...), strings.NewReader(""), &out, &errb); code != 0 || errb.Len() > 0 {
			t.Fatalf("%v: exit %d, %s", args, code, errb.String())
		}
		return maskReplication(out.String())
	}
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
