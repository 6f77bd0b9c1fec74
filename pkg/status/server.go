package status

import (
	"context"
	"fmt"
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
	values := Options(s)
	for _, k := range []string{"barman_home", "barman_lock_directory"} {
		values[k] = s.Config.Global.Get(k)
	}
	addRetention(s, values)
	st, err := s.LiveStatus(ctx)
	if err != nil {
		values["connection_error"] = err.Error()
	} else {
		addLive(values, st)
	}
	return values
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
