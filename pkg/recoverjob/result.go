package recoverjob

import (
	"encoding/json"
	"fmt"
	"github.com/gobarman/barman/pkg/shell"
	"os"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/restore"
	"github.com/gobarman/barman/pkg/walscan"
)

// Result is what a recovery did, for its summary.
type Result struct {
	Server         string
	Backup         *catalog.BackupInfo
	Dest           string
	RemoteSSH      string            // "" for a local recovery
	Tablespaces    map[uint32]string // OID → where the tablespace went
	Copied         restore.Stats
	Target         recovery.Target  // the target written (none when the archive ends before it)
	Options        map[string]any   // the target and options given, as the hook scripts got them
	GetWAL         bool             // restore_command fetches the WAL on demand
	RestoreCommand string           // "" when the WAL went to pg_wal
	WAL            *recovery.Result // the WAL copied (nil with get-wal)
	WALDir         string           // where it went
	Start          time.Time
	Elapsed        time.Duration
	StartCommand   string // how to start the recovered server
}

// result gathers the summary of the run.
func (r *run) result() *Result {
	res := &Result{Server: r.s.Name, Backup: r.b, Dest: r.dest, RemoteSSH: r.o.RemoteSSH, Tablespaces: r.mapping.Tablespaces,
		Copied: r.copied, Target: r.target, Options: r.optionsMap(), GetWAL: r.set.getWAL, RestoreCommand: r.restoreC,
		WAL: r.wal, WALDir: r.walDir, Start: r.start, Elapsed: time.Since(r.start)}
	start := fmt.Sprintf("pg_ctl -D %s start", shell.Quote(r.dest))
	if r.ssh == nil && os.Geteuid() == 0 {
		start = fmt.Sprintf("chown -R postgres: %s && %s (as postgres)", strings.Join(shell.QuoteAll(r.destinations()), " "), start)
	}
	if r.ssh != nil {
		start += " (on the remote host)"
	}
	res.StartCommand = start
	return res
}

// Summary is the end of a recovery as Barman prints it, then what was
// done and how to start the server: one line per element.
func (res *Result) Summary() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	b := res.Backup
	add("")
	add("Restore operation completed (start time: %s, elapsed time: %s)", backups.PyTime(res.Start), backups.Duration(res.Elapsed))
	add("Your PostgreSQL server has been successfully prepared for recovery!")
	add("")
	add("Summary:")
	add("  Backup           : %s of server %s (%s, ended %s)", b.ID, res.Server, b.Status(), res.endTime())
	add("  Restored         : %d files, %s, into %s", res.Copied.Files, backups.PrettySize(float64(res.Copied.Bytes)), res.Dest)
	if res.Copied.Reused > 0 || res.Copied.Removed > 0 {
		add("  Delta restore    : %d files already matched, %d entries removed", res.Copied.Reused, res.Copied.Removed)
	}
	for _, ts := range b.Tablespaces() {
		add("  Tablespace       : %s (%d) in %s", ts.Name, ts.OID, res.Tablespaces[ts.OID])
	}
	add("  Target           : %s", res.Target)
	switch {
	case res.GetWAL:
		add("  WAL              : fetched on demand by restore_command: %s", res.RestoreCommand)
	case res.WAL != nil:
		w := res.WAL
		if n := len(w.Segments); n > 0 {
			add("  WAL              : %d segments (%s to %s) and %d history files in %s", n, w.Segments[0], w.Last(), len(w.Histories), res.WALDir)
		}
		if n := len(w.Streamed); n > 0 {
			add("  Streamed WAL     : %d segments not archived yet (%s to %s)", n, w.Streamed[0], w.Streamed[n-1])
		}
		if w.Partial != "" {
			add("  Partial WAL      : %s, received so far, delivered as %s", w.Partial, w.Last())
		}
		if e := w.Reached; e != nil && res.Target.Kind() != "" {
			add("  Target reached in: %s (%s)", w.Last(), describeEvent(res.Target, e))
		}
	}
	add("  Elapsed          : %s", res.Elapsed.Round(time.Millisecond))
	add("  Start it with    : %s", res.StartCommand)
	return out
}

// JSON is the summary as barman recover -f json gives it, under "recovery".
func (res *Result) JSON() map[string]any {
	walJSON := map[string]any{}
	switch {
	case res.GetWAL:
		walJSON["restore_command"] = res.RestoreCommand
	case res.WAL != nil:
		w := res.WAL
		walJSON = map[string]any{"segments": len(w.Segments), "first": first(w.Segments), "last": w.Last(),
			"history_files": len(w.Histories), "directory": res.WALDir, "target_dropped": w.Dropped,
			"streamed_segments": len(w.Streamed), "partial": w.Partial}
		if w.PartialEnd != 0 {
			walJSON["partial_end_lsn"] = w.PartialEnd.String()
		}
	}
	return map[string]any{
		"server": res.Server, "backup_id": res.Backup.ID, "destination": res.Dest, "remote_ssh_command": res.RemoteSSH,
		"files": res.Copied.Files, "bytes": res.Copied.Bytes, "reused_files": res.Copied.Reused, "unverified_files": res.Copied.Unverified,
		"target": res.Options, "wal": walJSON, "elapsed_seconds": res.Elapsed.Seconds(), "start_command": res.StartCommand,
	}
}

func (res *Result) endTime() string {
	if t, ok := res.Backup.EndTime(); ok {
		return recovery.FormatTime(t)
	}
	return "unknown"
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// describeEvent says where the target was found in the WAL.
func describeEvent(t recovery.Target, e *walscan.Event) string {
	switch t.Kind() {
	case "time":
		return fmt.Sprintf("first %s after the target: xid %d at %s, LSN %s", e.Kind, e.XID, recovery.FormatTime(e.Time), e.LSN)
	case "xid":
		return fmt.Sprintf("%s of xid %d at %s, LSN %s", e.Kind, e.XID, recovery.FormatTime(e.Time), e.LSN)
	case "name":
		return fmt.Sprintf("restore point '%s' at %s, LSN %s", e.Name, recovery.FormatTime(e.Time), e.LSN)
	}
	return fmt.Sprintf("LSN %s", e.LSN)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
