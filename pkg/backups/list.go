package backups

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
)

// ListEntry is one backup of list-backups.
type ListEntry struct {
	Backup *catalog.BackupInfo
	Server string
	// Size is the backup's size plus its WAL files begin_wal..end_wal;
	// WALSize is the size of the WAL files after them, until the next
	// backup. Both count only for DONE and WAITING_FOR_WALS backups.
	Size, WALSize int64
	// Retention is the retention policy status, shown when it is set and
	// neither VALID nor "-". The caller sets it.
	Retention string
}

// List returns the list-backups entries of every backup, newest first.
// An invalid name in entries (xlog.db) is returned as an error with the
// full list, whose sizes then leave the WAL files out.
func (c *Catalogue) List(entries []catalog.WALEntry) ([]ListEntry, error) {
	var out []ListEntry
	var errs []error
	for _, b := range slices.Backward(c.Backups) {
		e := ListEntry{Backup: b, Server: or(b.ServerName(), c.Server)}
		e.Size, _ = b.Size()
		if IsCopyDone(b) {
			w, err := c.WALInfo(b, entries)
			errs = append(errs, err)
			e.Size += w.Size
			e.WALSize = w.UntilNextSize
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

// Line returns the entry as Barman 3.4's list-backups prints it:
// "pg 20261125T152856 'name' - Wed Nov 25 15:28:57 2026 - Size: 37.7 MiB -
// WAL Size: 16.2 KiB (tablespaces: tbs1:/path)", or "pg ID - FAILED".
func (e ListEntry) Line() string {
	b := e.Backup
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s %s ", e.Server, b.ID)
	if name := b.BackupName(); name != "" {
		fmt.Fprintf(&sb, "'%s' - ", name)
	} else {
		sb.WriteString("- ")
	}
	if !IsCopyDone(b) {
		sb.WriteString(string(b.Status()))
		return sb.String()
	}
	fmt.Fprintf(&sb, "%s - Size: %s - WAL Size: %s", endCtime(b), PrettySize(float64(e.Size)), PrettySize(float64(e.WALSize)))
	if ts := b.Tablespaces(); len(ts) > 0 {
		var list []string
		for _, t := range ts {
			list = append(list, t.Name+":"+t.Location)
		}
		fmt.Fprintf(&sb, " (tablespaces: %s)", strings.Join(list, ", "))
	}
	if b.Status() == catalog.StatusWaitingForWALs {
		sb.WriteString(" - " + string(catalog.StatusWaitingForWALs))
	}
	if e.Retention != "" && e.Retention != "VALID" && e.Retention != "-" {
		sb.WriteString(" - " + e.Retention)
	}
	return sb.String()
}

func endCtime(b *catalog.BackupInfo) string {
	if t, ok := b.EndTime(); ok {
		return Ctime(t)
	}
	return "None"
}

// JSON returns the entry as Barman 3.4's list-backups -f json gives it.
func (e ListEntry) JSON() map[string]any {
	b := e.Backup
	m := map[string]any{"backup_id": b.ID, "status": string(b.Status())}
	if name := b.BackupName(); name != "" {
		m["backup_name"] = name
	}
	if !IsCopyDone(b) {
		return m
	}
	m["end_time"], m["end_time_timestamp"] = endCtime(b), jsonStamp(b, "end_time")
	m["size"], m["size_bytes"] = PrettySize(float64(e.Size)), e.Size
	m["wal_size"], m["wal_size_bytes"] = PrettySize(float64(e.WALSize)), e.WALSize
	m["retention_status"] = "-"
	if e.Retention != "" && e.Retention != "VALID" {
		m["retention_status"] = e.Retention
	}
	ts := []any{}
	for _, t := range b.Tablespaces() {
		ts = append(ts, map[string]any{"name": t.Name, "location": t.Location})
	}
	m["tablespaces"] = ts
	return m
}
