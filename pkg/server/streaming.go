package server

import (
	"fmt"
	"strings"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/lock"
)

// CreateSlot is create_slot: who creates the replication slot.
type CreateSlot string

// The values of create_slot.
const (
	CreateSlotManual CreateSlot = "manual" // the user runs receive-wal --create-slot (Barman's default)
	CreateSlotAuto   CreateSlot = "auto"   // cron creates a missing slot
)

// ParseCreateSlot reads create_slot as Barman does (case-insensitive);
// "" gives manual, the default.
func ParseCreateSlot(v string) (CreateSlot, error) {
	switch CreateSlot(strings.ToLower(strings.TrimSpace(v))) {
	case "", CreateSlotManual:
		return CreateSlotManual, nil
	case CreateSlotAuto:
		return CreateSlotAuto, nil
	}
	return "", fmt.Errorf("create_slot: %q is not valid (accepted: auto, manual)", v)
}

// maxSlotName is PostgreSQL's longest identifier (NAMEDATALEN - 1).
const maxSlotName = 63

// ParseSlotName reads slot_name as Barman does: lower-cased, then only
// lower-case letters, digits and underscores, at most 63 of them (a longer
// name is truncated by PostgreSQL, so barman would look for a slot that
// does not exist).
func ParseSlotName(v string) (string, error) {
	name := strings.ToLower(strings.TrimSpace(v))
	if name == "" {
		return "", nil
	}
	if len(name) > maxSlotName {
		return "", fmt.Errorf("slot_name: %q is %d characters long: PostgreSQL allows at most %d, choose a shorter name", name, len(name), maxSlotName)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return "", fmt.Errorf("slot_name: %q is not a valid replication slot name (accepted: lower-case letters, digits and _)", v)
		}
	}
	return name, nil
}

// Streaming are the settings of WAL streaming (`barman receive-wal`).
type Streaming struct {
	// Archiver is streaming_archiver: receive-wal streams WAL into Dir.
	Archiver bool
	// Name is streaming_archiver_name, the application_name receive-wal
	// connects with (synchronous_standby_names refers to it).
	Name string
	// BatchSize is streaming_archiver_batch_size: how many streamed
	// segments one archive-wal moves into the archive (0: all of them).
	BatchSize int
	// Dir is streaming_wals_directory.
	Dir string
	// Slot is slot_name ("" when unset), lower-cased as Barman does.
	Slot string
	// CreateSlot says whether cron creates a missing slot.
	CreateSlot CreateSlot
	// Conninfo is the replication connection receive-wal streams from:
	// wal_streaming_conninfo, or streaming_conninfo, or conninfo.
	Conninfo string
	// WALConninfo is the regular connection to the server WAL streams
	// from, to read its replication slot: wal_conninfo, or
	// wal_streaming_conninfo, or conninfo.
	WALConninfo string
}

func streamingOf(s *config.Section, streamingDir string) (Streaming, error) {
	st := Streaming{Archiver: s.Bool("streaming_archiver"), Name: s.Get("streaming_archiver_name"),
		BatchSize: s.Int("streaming_archiver_batch_size"), Dir: streamingDir,
		Conninfo:    firstSet(s.Get("wal_streaming_conninfo"), s.Get("streaming_conninfo"), s.Get("conninfo")),
		WALConninfo: firstSet(s.Get("wal_conninfo"), s.Get("wal_streaming_conninfo"), s.Get("conninfo"))}
	if st.Name == "" {
		st.Name = "barman_receive_wal"
	}
	var err error
	if st.Slot, err = ParseSlotName(s.Get("slot_name")); err != nil {
		return st, err
	}
	if st.CreateSlot, err = ParseCreateSlot(s.Get("create_slot")); err != nil {
		return st, err
	}
	return st, nil
}

func firstSet(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// ReceiveWALLock is the lock file a running receive-wal holds for the
// server, Barman's .<server>-receive-wal.lock in barman_lock_directory.
func (srv *Server) ReceiveWALLock() string {
	return lock.File(srv.LockDir, srv.Name, "receive-wal")
}

// StreamingOnly reports whether WAL arrives only by streaming (archiver
// off, streaming_archiver on): archive_mode and archive_command are then
// not needed.
func (srv *Server) StreamingOnly() bool {
	return srv.Streaming.Archiver && !srv.WAL.Archiver
}

// ArchiverProblems are the WAL archiving settings Barman refuses for a
// server (its configuration check fails with them): a streaming-only
// server without slot_name.
func (srv *Server) ArchiverProblems() []string {
	if srv.StreamingOnly() && srv.Streaming.Slot == "" {
		return []string{"Streaming-only archiver requires 'streaming_conninfo' and 'slot_name' options to be properly configured"}
	}
	return nil
}

// UsesReplication reports whether the server uses the replication
// protocol: backup_method = postgres or streaming_archiver = on (Barman
// then opens its streaming connection).
func (srv *Server) UsesReplication() bool {
	return srv.Streaming.Archiver || srv.Backup.Method == Postgres
}

// ReplicationSource is the replication connection check and show-server
// test: WAL streaming's (Streaming.Conninfo) with streaming_archiver = on,
// the backups' (ReplicationConninfo) otherwise; key names the option it
// comes from, for messages.
func (srv *Server) ReplicationSource() (conninfo, key string) {
	keys := []string{"streaming_conninfo"}
	conninfo = srv.ReplicationConninfo()
	if srv.Streaming.Archiver {
		keys, conninfo = []string{"wal_streaming_conninfo", "streaming_conninfo"}, srv.Streaming.Conninfo
	}
	for _, k := range keys {
		if srv.Section.Get(k) != "" {
			return conninfo, k
		}
	}
	return conninfo, "conninfo"
}
