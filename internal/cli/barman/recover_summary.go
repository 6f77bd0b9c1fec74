package barman

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/walscan"
)

// summary ends a recovery as Barman does, then says what was done and
// how to start the server.
func (r *recoverRun) summary() {
	out := r.env.Out
	elapsed := time.Since(r.start)
	out.Info("")
	out.Info("Restore operation completed (start time: %s, elapsed time: %s)", backups.PyTime(r.start), backups.Duration(elapsed))
	out.Info("Your PostgreSQL server has been successfully prepared for recovery!")
	out.Info("")
	out.Info("Summary:")
	out.Info("  Backup           : %s of server %s (%s, ended %s)", r.b.ID, r.s.Name, r.b.Status(), endTime(r))
	out.Info("  Restored         : %d files, %s, into %s", r.copied.Files, backups.PrettySize(float64(r.copied.Bytes)), r.dest)
	if r.copied.Reused > 0 || r.copied.Removed > 0 {
		out.Info("  Delta restore    : %d files already matched, %d entries removed", r.copied.Reused, r.copied.Removed)
	}
	for _, ts := range r.b.Tablespaces() {
		out.Info("  Tablespace       : %s (%d) in %s", ts.Name, ts.OID, r.mapping.Tablespaces[ts.OID])
	}
	out.Info("  Target           : %s", r.target)
	walJSON := map[string]any{}
	switch {
	case r.getWAL:
		out.Info("  WAL              : fetched on demand by restore_command: %s", r.restoreC)
		walJSON["restore_command"] = r.restoreC
	case r.wal != nil:
		w := r.wal
		if n := len(w.Segments); n > 0 {
			out.Info("  WAL              : %d segments (%s to %s) and %d history files in %s", n, w.Segments[0], w.Last(), len(w.Histories), r.walDir)
		}
		if e := w.Reached; e != nil && r.target.Kind() != "" {
			out.Info("  Target reached in: %s (%s)", w.Last(), describeEvent(r.target, e))
		}
		walJSON = map[string]any{"segments": len(w.Segments), "first": first(w.Segments), "last": w.Last(),
			"history_files": len(w.Histories), "directory": r.walDir, "target_dropped": w.Dropped}
	}
	out.Info("  Elapsed          : %s", elapsed.Round(time.Millisecond))
	start := fmt.Sprintf("pg_ctl -D %s start", shellQuote(r.dest))
	if r.ssh == nil && os.Geteuid() == 0 {
		start = fmt.Sprintf("chown -R postgres: %s && %s (as postgres)", strings.Join(quoteAll(r.destinations()), " "), start)
	}
	if r.ssh != nil {
		start += " (on the remote host)"
	}
	out.Info("  Start it with    : %s", start)
	out.Result("recovery", map[string]any{
		"server": r.s.Name, "backup_id": r.b.ID, "destination": r.dest, "remote_ssh_command": r.c.RemoteSSH,
		"files": r.copied.Files, "bytes": r.copied.Bytes, "reused_files": r.copied.Reused, "unverified_files": r.copied.Unverified,
		"target": r.optionsMap(), "wal": walJSON, "elapsed_seconds": elapsed.Seconds(), "start_command": start,
	})
}

func endTime(r *recoverRun) string {
	if t, ok := r.b.EndTime(); ok {
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

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = shellQuote(x)
	}
	return out
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
