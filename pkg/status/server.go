package status

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/removal"
	"github.com/gobarman/barman/pkg/server"
)

// secret options whose passwords are masked.
var conninfoKeys = map[string]bool{"conninfo": true, "streaming_conninfo": true,
	"wal_conninfo": true, "wal_streaming_conninfo": true, "primary_conninfo": true}

// Server returns what show-servers shows of s, by Barman's key names; a
// connection that fails gives connection_error instead of the live facts.
func Server(ctx context.Context, s *server.Server) map[string]any {
	return Show(s, ReadLive(ctx, s))
}

// Live is what show-servers reads from PostgreSQL: the server's status,
// IDENTIFY_SYSTEM on the replication connection (for servers that use
// one) and the replication slot (when slot_name is set).
type Live struct {
	Status      *postgres.Status
	Err         error
	Identity    *postgres.Identity
	IdentityErr error
	Slot        *postgres.Slot
	SlotErr     error
}

// ReadLive connects to the server's PostgreSQL and reads what Show needs.
func ReadLive(ctx context.Context, s *server.Server) *Live {
	live := &Live{}
	live.Status, live.Err = s.LiveStatus(ctx)
	if s.UsesReplication() {
		conninfo, key := s.ReplicationSource()
		if conninfo == "" {
			// An empty string would reach libpq's defaults instead.
			live.IdentityErr = fmt.Errorf("%s is not set for server %q", key, s.Name)
		} else {
			live.Identity, live.IdentityErr = postgres.IdentifyOf(ctx, conninfo, "barman", s.CheckTimeout)
		}
	}
	if s.Streaming.Slot != "" && live.Err == nil {
		live.Slot, live.SlotErr = postgres.SlotOf(ctx, s.Streaming.WALConninfo, s.Streaming.Slot, s.CheckTimeout)
	}
	return live
}

// Show renders what show-servers shows of s from the facts read live.
func Show(s *server.Server, live *Live) map[string]any {
	values := Options(s)
	for _, k := range []string{"barman_home", "barman_lock_directory"} {
		values[k] = s.Config.Global.Get(k)
	}
	addRetention(s, values)
	if live.Err != nil {
		values["connection_error"] = live.Err.Error()
	} else {
		addLive(values, live.Status)
		addSlot(values, s, live)
	}
	if s.UsesReplication() {
		addReplication(values, live)
	}
	if s.Streaming.Archiver {
		addReceiver(values, s, live.Status)
	}
	return values
}

// addSlot adds Barman's replication slot fields: the slot as Barman's
// record prints (None when missing or slot_name is unset).
func addSlot(m map[string]any, s *server.Server, live *Live) {
	m["replication_slot_support"] = true
	m["replication_slot"] = nil
	if sl := live.Slot; sl != nil {
		restart := "None"
		if sl.RestartLSN != "" {
			restart = "'" + sl.RestartLSN + "'"
		}
		m["replication_slot"] = fmt.Sprintf("Record(slot_name='%s', active=%s, restart_lsn=%s)", sl.Name, pyBool(sl.Active), restart)
	}
}

// addReplication adds what Barman's streaming connection reports:
// IDENTIFY_SYSTEM's answer, or connection_error.
func addReplication(m map[string]any, live *Live) {
	for _, k := range []string{"streaming_supported", "streaming", "streaming_systemid", "timeline", "xlogpos"} {
		m[k] = nil
	}
	if live.IdentityErr != nil {
		if m["connection_error"] == nil {
			m["connection_error"] = live.IdentityErr.Error()
		}
		return
	}
	if _, ok := m["connection_error"]; !ok {
		m["connection_error"] = nil
	}
	id := live.Identity
	m["streaming_supported"], m["streaming"], m["version_supported"] = true, true, true
	m["streaming_systemid"], m["timeline"], m["xlogpos"] = id.SystemID, id.Timeline, id.XLogPos
}

// addReceiver adds Barman's pg_receivexlog fields for a streaming
// archiver. The receiver is built into barman: it is installed, speaks
// the server's version, supports slots, and is synchronous when
// synchronous_standby_names lists streaming_archiver_name.
func addReceiver(m map[string]any, s *server.Server, st *postgres.Status) {
	path, _ := os.Executable()
	m["pg_receivexlog_installed"] = true
	m["pg_receivexlog_path"] = Nullable(path)
	m["pg_receivexlog_compatible"], m["pg_receivexlog_supports_slots"] = nil, nil
	m["pg_receivexlog_synchronous"], m["pg_receivexlog_version"] = nil, nil
	if st == nil {
		return
	}
	m["pg_receivexlog_compatible"], m["pg_receivexlog_supports_slots"] = true, true
	m["pg_receivexlog_synchronous"] = postgres.IsSynchronous(st.SynchronousStandbyNames, s.Streaming.Name)
	m["pg_receivexlog_version"] = strings.Fields(st.ServerVersion + " ")[0]
}

func pyBool(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// barmanNames is synchronous_standby_names as Barman lists it: the names
// inside the parentheses, split on commas, an empty setting giving [”].
func barmanNames(setting string) []string {
	names := postgres.SynchronousNames(setting)
	if len(names) == 0 {
		return []string{""}
	}
	return names
}

// Options renders the server's options as Barman shows them: None (nil)
// for unset, booleans for booleans, passwords masked.
func Options(s *server.Server) map[string]any {
	opts := config.Options()
	out := map[string]any{"name": s.Name, "disabled": false, "passive_node": false}
	for _, k := range s.Section.Keys() {
		v := s.Section.Values[k]
		switch {
		case !v.Set:
			out[k] = nil
		case conninfoKeys[k]:
			out[k] = postgres.MaskConninfo(v.Text)
		case opts[k].Kind.Name == "bool":
			out[k] = s.Section.Bool(k)
		default:
			out[k] = v.Text
		}
	}
	// The values Barman shows after reading them: archiver forced on when
	// no archiver is, the slot name lower-cased.
	out["archiver"] = s.WAL.Archiver
	out["slot_name"] = Nullable(s.Streaming.Slot)
	out["create_slot"] = string(s.Streaming.CreateSlot)
	return out
}

// addRetention shows the retention policy as Barman does (canonical
// text, wal_retention_policy MAIN when enforced), and two lines of
// Barman's status command: whether it is enforced, and whether
// minimum_redundancy is met.
func addRetention(s *server.Server, values map[string]any) {
	if p, ok := removal.Policy(s); ok {
		values["retention_policy"] = p.Text
		values["wal_retention_policy"] = "MAIN"
	}
	cat, err := backups.Load(s.Layout)
	if err != nil {
		values["catalogue_error"] = err.Error()
		return
	}
	values["retention_policies"], values["minimum_redundancy_requirements"] = Retention(s, cat)
}

// Retention is the retention line of show-server: whether the policy is
// enforced and whether minimum_redundancy is met.
func Retention(s *server.Server, cat *backups.Catalogue) (policies, redundancy string) {
	done := len(cat.Filter(catalog.StatusDone))
	min := s.Retention.MinimumRedundancy
	redundancy = fmt.Sprintf("satisfied (%d/%d)", done, min)
	if done < min {
		redundancy = fmt.Sprintf("FAILED (%d/%d)", done, min)
	}
	p, ok := removal.Policy(s)
	if !ok {
		return "not enforced", redundancy
	}
	return fmt.Sprintf("enforced (mode: %s, retention: %s, WAL retention: MAIN)", s.Retention.Mode, p.Text), redundancy
}

func addLive(m map[string]any, st *postgres.Status) {
	m["server_txt_version"] = strings.Fields(st.ServerVersion + " ")[0]
	m["version"] = st.ServerVersionNum
	m["data_directory"] = st.DataDirectory
	m["config_file"] = st.ConfigFile
	m["hba_file"] = st.HBAFile
	m["ident_file"] = st.IdentFile
	m["wal_level"] = st.WalLevel
	m["archive_mode"] = st.ArchiveMode
	m["archive_command"] = st.ArchiveCommand
	m["archive_timeout"] = st.ArchiveTimeout
	m["data_checksums"] = st.DataChecksums
	m["xlog_segment_size"] = st.WalSegmentSize
	m["postgres_systemid"] = st.SystemID
	m["is_in_recovery"] = st.InRecovery
	m["is_superuser"] = st.IsSuperuser
	m["has_backup_privileges"] = st.IsSuperuser || st.HasBackupPrivs
	m["current_xlog"] = st.CurrentWAL
	m["current_lsn"] = st.CurrentLSN
	m["current_size"] = st.CurrentSize
	m["archived_count"] = st.ArchivedCount
	m["failed_count"] = st.FailedCount
	m["last_archived_wal"] = Nullable(st.LastArchivedWAL)
	m["last_failed_wal"] = Nullable(st.LastFailedWAL)
	m["last_archived_time"] = timeOrNil(st.LastArchivedTime)
	m["last_failed_time"] = timeOrNil(st.LastFailedTime)
	m["max_wal_senders"] = st.MaxWalSenders
	m["wal_keep_size"] = st.WalKeepSize
	m["max_replication_slots"] = st.MaxReplicationSlots
	m["hot_standby"] = st.HotStandby
	m["wal_compression"] = st.WalCompression
	m["checkpoint_timeout"] = st.CheckpointTimeout
	m["synchronous_standby_names"] = barmanNames(st.SynchronousStandbyNames)
}

// Nullable gives nil (JSON null, Python's None) for an empty string.
func Nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeOrNil renders a time as Barman does (with time zone), nil if unset.
func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format("2006-01-02 15:04:05.999999-07:00")
}
