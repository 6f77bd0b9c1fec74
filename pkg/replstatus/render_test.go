package replstatus

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func sample() *Report {
	start := time.Date(2026, 12, 3, 17, 0, 0, 123456000, time.FixedZone("", 0))
	return &Report{Target: All, ServerLSN: "0/5000100", Clients: []Client{
		{PID: 101, UserName: "postgres", ApplicationName: "standby1", ClientAddr: "10.0.0.2", ClientPort: 50000,
			BackendStart: start, BackendXmin: "735", State: "streaming", SentLSN: "0/5000100", WriteLSN: "0/5000100",
			FlushLSN: "0/5000100", ReplayLSN: "0/50000A0", SyncPriority: 1, SyncState: "sync", CurrentLSN: "0/5000100"},
		{PID: 102, UserName: "streaming_barman", ApplicationName: "barman_receive_wal", BackendStart: start.Truncate(time.Second),
			State: "streaming", SentLSN: "0/5000100", WriteLSN: "0/4FFF000", FlushLSN: "0/4000000",
			SyncState: "async", SlotName: "barman", CurrentLSN: "0/5000100"},
	}}
}

func TestLines(t *testing.T) {
	want := `Status of streaming clients for server 'pg':
  Current LSN on master: 0/5000100
  Number of streaming clients: 2

  1. #1 Sync standby
     Application name: standby1
     Sync stage      : 4/5 2-safe
     Communication   : TCP/IP
     IP Address      : 10.0.0.2 / Port: 50000 / Host: -
     User name       : postgres
     Current state   : streaming (sync)
     WAL sender PID  : 101
     Started at      : 2026-12-03 17:00:00.123456+00:00
     Standby's xmin  : 735
     Sent LSN   : 0/5000100 (diff: 0 B)
     Write LSN  : 0/5000100 (diff: 0 B)
     Flush LSN  : 0/5000100 (diff: 0 B)
     Replay LSN : 0/50000A0 (diff: -96 B)

  2. Async WAL streamer
     Application name: barman_receive_wal
     Sync stage      : 2/3 WAL Sent (min)
     Communication   : Unix domain socket
     User name       : streaming_barman
     Current state   : streaming (async)
     Replication slot: barman
     WAL sender PID  : 102
     Started at      : 2026-12-03 17:00:00+00:00
     Sent LSN   : 0/5000100 (diff: 0 B)
     Write LSN  : 0/4FFF000 (diff: -4.2 KiB)
     Flush LSN  : 0/4000000 (diff: -16.0 MiB)`
	if got := strings.Join(Lines("pg", sample(), false), "\n"); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	wantMin := `Streaming clients for master 'pg' (LSN @ 0/5000100):
  1. S) postgres@10.0.0.2 S:0/5000100 F:0/5000100 R:0/50000A0 P:1 AN:standby1
  2. W) streaming_barman@socket S:0/5000100 W:0/4FFF000 P:0 AN:barman_receive_wal`
	if got := strings.Join(Lines("pg", sample(), true), "\n"); got != wantMin {
		t.Errorf("minimal: got\n%s\nwant\n%s", got, wantMin)
	}
	empty := &Report{Target: WALStreamer}
	if got := strings.Join(Lines("pg", empty, true), "\n"); got != "Wal streamers for slave 'pg':\n  No WAL streamers attached" {
		t.Errorf("empty minimal: %q", got)
	}
}

func TestJSON(t *testing.T) {
	data, _ := json.Marshal(JSON(sample(), false))
	for _, want := range []string{`"server_lsn":"0/5000100"`, `"name":"#1 Sync standby"`, `"sync_stage":"4/5 2-safe"`,
		`"host":null`, `"ip_address":"10.0.0.2"`, `"port":50000`, `"standbys_xmin":"735"`, `"replay_lsn_diff_bytes":-96`,
		`"replication_slot":"barman"`, `"communication":"Unix domain socket"`, `"flush_lsn_diff":"-16.0 MiB"`,
		`"started_at":"2026-12-03 17:00:00+00:00"`, `"wal_sender_pid":102`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("JSON lacks %s:\n%s", want, data)
		}
	}
	if strings.Contains(string(data), `"replay_lsn":null`) || !strings.HasPrefix(string(data), `{"server_lsn"`) {
		t.Errorf("JSON: %s", data)
	}
	data, _ = json.Marshal(JSON(&Report{Target: HotStandby}, true))
	if string(data) != `{"hot_standby_servers":[],"server_lsn":null,"standby_info":"No hot standby servers attached"}` {
		t.Errorf("empty: %s", data)
	}
	data, _ = json.Marshal(JSON(sample(), true))
	if !strings.Contains(string(data), `"client_addr":"socket"`) || !strings.Contains(string(data), `"sync_state":"S"`) {
		t.Errorf("minimal: %s", data)
	}
}
