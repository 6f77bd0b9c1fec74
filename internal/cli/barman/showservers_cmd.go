package barman

import (
	"fmt"
	"github.com/gobarman/barman/pkg/removal"
	"github.com/gobarman/barman/pkg/server"
	"sort"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
)

// ShowServersCmd is `barman show-servers` (alias show-server).
type ShowServersCmd struct {
	Servers []string `arg:"" name:"server" help:"Server names, or 'all'."`
}

// secret options whose passwords are masked.
var conninfoKeys = map[string]bool{"conninfo": true, "streaming_conninfo": true,
	"wal_conninfo": true, "wal_streaming_conninfo": true, "primary_conninfo": true}

// Run prints every effective option and the live status, sorted by key.
func (c *ShowServersCmd) Run(env *Env) error {
	servers, err := env.Servers(c.Servers)
	if err != nil {
		return err
	}
	for _, s := range servers {
		values := serverValues(s)
		for _, k := range []string{"barman_home", "barman_lock_directory"} {
			values[k] = env.Cfg.Global.Get(k)
		}
		addRetention(env, s, values)
		st, err := s.LiveStatus(env.Ctx)
		if err != nil {
			values["connection_error"] = err.Error()
		} else {
			addLive(values, st)
		}
		printServer(env, s.Name, values)
	}
	return nil
}

// serverValues renders config values as Barman shows them: None for
// unset, True/False for booleans.
func serverValues(s *server.Server) map[string]any {
	opts := config.Options()
	out := map[string]any{"name": s.Name, "disabled": false, "passive_node": false}
	for _, k := range s.Section.Keys() {
		v := s.Section.Values[k]
		switch {
		case !v.Set:
			out[k] = nil
		case conninfoKeys[k]:
			out[k] = postgres.MaskConninfo(v.Text)
		case isBool(opts[k]):
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
func addRetention(env *Env, s *server.Server, values map[string]any) {
	if p, ok := removal.Policy(s); ok {
		values["retention_policy"] = p.Text
		values["wal_retention_policy"] = "MAIN"
	}
	cat, err := backups.Load(s.Layout)
	if err != nil {
		values["catalogue_error"] = err.Error()
		return
	}
	values["retention_policies"], values["minimum_redundancy_requirements"] = retentionSummary(s, cat)
}

func isBool(o config.Option) bool { return o.Kind.Name == "bool" }

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
	m["last_archived_wal"] = nullable(st.LastArchivedWAL)
	m["last_failed_wal"] = nullable(st.LastFailedWAL)
	m["last_archived_time"] = timeOrNil(st.LastArchivedTime)
	m["last_failed_time"] = timeOrNil(st.LastFailedTime)
	m["max_wal_senders"] = st.MaxWalSenders
	m["wal_keep_size"] = st.WalKeepSize
}

func printServer(env *Env, name string, values map[string]any) {
	env.Out.Result(name, values)
	env.Out.Line("Server %s:", name)
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env.Out.Line("\t%s: %s", k, pyString(values[k]))
	}
}

// pyString renders a value as Barman's console output does.
func pyString(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return strings.ReplaceAll(x, "\n", " ")
	}
	return fmt.Sprint(v)
}

// timeOrNil renders a time as Barman does (with time zone), nil if unset.
func timeOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format("2006-01-02 15:04:05.999999-07:00")
}
