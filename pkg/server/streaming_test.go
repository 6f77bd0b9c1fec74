package server

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestStreaming(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		check      func(*Server) bool
	}{
		{"defaults: archiver forced on, manual slot", "", func(s *Server) bool {
			st := s.Streaming
			return !st.Archiver && st.Name == "barman_receive_wal" && st.BatchSize == 0 && st.Slot == "" &&
				st.CreateSlot == CreateSlotManual && st.Conninfo == "host=pg" && st.WALConninfo == "host=pg" &&
				st.Dir == s.Layout.StreamingDir() && s.WAL.Archiver && s.WAL.ArchiverForced && !s.StreamingOnly()
		}},
		{"archiver on is not forced", "archiver = on", func(s *Server) bool { return s.WAL.Archiver && !s.WAL.ArchiverForced }},
		{"streaming only", "streaming_archiver = on\nslot_name = barman\ncreate_slot = AUTO\nstreaming_archiver_name = bm\nstreaming_archiver_batch_size = 5", func(s *Server) bool {
			st := s.Streaming
			return st.Archiver && st.Slot == "barman" && st.CreateSlot == CreateSlotAuto && st.Name == "bm" && st.BatchSize == 5 &&
				!s.WAL.Archiver && !s.WAL.ArchiverForced && s.StreamingOnly() && len(s.ArchiverProblems()) == 0
		}},
		{"both archivers", "archiver = on\nstreaming_archiver = on", func(s *Server) bool { return s.WAL.Archiver && s.Streaming.Archiver && !s.StreamingOnly() }},
		{"slot name lower-cased as Barman", "slot_name = Barman_1", func(s *Server) bool { return s.Streaming.Slot == "barman_1" }},
		{"streaming_conninfo", "streaming_conninfo = host=pg user=streaming", func(s *Server) bool {
			return s.Streaming.Conninfo == "host=pg user=streaming" && s.Streaming.WALConninfo == "host=pg"
		}},
		{"wal_streaming_conninfo first", "streaming_conninfo = host=pg user=streaming\nwal_streaming_conninfo = host=wal user=streaming", func(s *Server) bool {
			return s.Streaming.Conninfo == "host=wal user=streaming" && s.Streaming.WALConninfo == "host=wal user=streaming" &&
				s.ReplicationConninfo() == "host=pg user=streaming"
		}},
		{"wal_conninfo for the slot", "wal_streaming_conninfo = host=wal user=streaming\nwal_conninfo = host=wal user=barman", func(s *Server) bool {
			return s.Streaming.Conninfo == "host=wal user=streaming" && s.Streaming.WALConninfo == "host=wal user=barman"
		}},
		{"streaming directory", "streaming_wals_directory = /srv/streamed", func(s *Server) bool { return s.Streaming.Dir == "/srv/streamed" }},
		{"streaming only without slot", "streaming_archiver = on", func(s *Server) bool {
			p := s.ArchiverProblems()
			return len(p) == 1 && strings.Contains(p[0], "requires 'streaming_conninfo' and 'slot_name'")
		}},
		{"replication source: none", "", func(s *Server) bool { return !s.UsesReplication() }},
		{"replication source: backups", "backup_method = postgres\nstreaming_conninfo = host=pg user=s\nwal_streaming_conninfo = host=wal", func(s *Server) bool {
			c, k := s.ReplicationSource()
			return s.UsesReplication() && c == "host=pg user=s" && k == "streaming_conninfo"
		}},
		{"replication source: WAL streaming", "backup_method = postgres\nstreaming_archiver = on\nstreaming_conninfo = host=pg user=s\nwal_streaming_conninfo = host=wal", func(s *Server) bool {
			c, k := s.ReplicationSource()
			return c == "host=wal" && k == "wal_streaming_conninfo"
		}},
		{"replication source: conninfo", "streaming_archiver = on", func(s *Server) bool {
			c, k := s.ReplicationSource()
			return s.UsesReplication() && c == "host=pg" && k == "conninfo"
		}},
		{"receive-wal lock", "", func(s *Server) bool {
			return s.ReceiveWALLock() == filepath.Join(s.LockDir, ".pg-receive-wal.lock")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := load(t, tc.conf)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(s) {
				t.Errorf("%+v %+v", s.Streaming, s.WAL)
			}
		})
	}
}

// TestStreamingRefused: values the loader accepts but server.New refuses,
// with the option named.
func TestStreamingRefused(t *testing.T) {
	long := strings.Repeat("s", 64)
	if _, err := load(t, "slot_name = "+long); err == nil || !strings.Contains(err.Error(), "server pg: slot_name: \""+long+"\" is 64 characters long") {
		t.Errorf("64-character slot: %v", err)
	}
	if _, err := load(t, "slot_name = "+long[:63]); err != nil {
		t.Errorf("63-character slot: %v", err)
	}
}

func TestParseStreamingValues(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want CreateSlot
		err  string
	}{
		{"", CreateSlotManual, ""}, {"manual", CreateSlotManual, ""}, {"Auto", CreateSlotAuto, ""},
		{"always", "", `create_slot: "always" is not valid (accepted: auto, manual)`},
	} {
		got, err := ParseCreateSlot(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err {
			t.Errorf("ParseCreateSlot(%q) = %q, %v", tc.in, got, err)
		}
	}
	for _, tc := range []struct{ in, want, err string }{
		{"", "", ""}, {"barman", "barman", ""}, {"BARMAN_2", "barman_2", ""},
		{"bar-man", "", "not a valid replication slot name"}, {"bär", "", "not a valid replication slot name"},
	} {
		got, err := ParseSlotName(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseSlotName(%q) = %q, %v", tc.in, got, err)
		}
	}
}
