package backups

import (
	"fmt"
	"strings"
)

// showWriter collects show-backup's console lines in Barman's layout.
type showWriter struct{ lines []string }

func (w *showWriter) line(s string)         { w.lines = append(w.lines, s) }
func (w *showWriter) row(key, value string) { w.line(fmt.Sprintf("  %-23s: %s", key, value)) }
func (w *showWriter) header(s string)       { w.line("  " + s + ":") }
func (w *showWriter) nested(key, value string) {
	w.line(fmt.Sprintf("    %-21s: %s", key, value))
}

// Lines returns show-backup's console output, as Barman 3.4 prints it.
func (d *Details) Lines() []string {
	w := &showWriter{}
	b := d.Backup
	w.line(fmt.Sprintf("Backup %s:", b.ID))
	if name := b.BackupName(); name != "" {
		w.row("Backup Name", name)
	}
	w.row("Server Name", d.Server)
	if id := b.SystemID(); id != "" {
		w.row("System Id", id)
	}
	w.row("Status", string(b.Status()))
	if !d.CopyDone {
		if msg := b.ErrorMessage(); msg != "" {
			w.row("Error", msg)
		}
		return w.lines
	}
	w.row("PostgreSQL Version", py(b, "version"))
	w.row("PGDATA directory", py(b, "pgdata"))
	w.line("")
	d.tablespaces(w)
	d.base(w)
	d.wal(w)
	d.catalogInfo(w)
	return w.lines
}

func (d *Details) tablespaces(w *showWriter) {
	ts := d.Backup.Tablespaces()
	if len(ts) == 0 {
		return
	}
	w.header("Tablespaces")
	for _, t := range ts {
		w.nested(t.Name, fmt.Sprintf("%s (oid: %d)", t.Location, t.OID))
	}
	w.line("")
}

func (d *Details) base(w *showWriter) {
	b := d.Backup
	w.header("Base backup information")
	if size, ok := b.Size(); ok {
		w.nested("Disk usage", fmt.Sprintf("%s (%s with WALs)", PrettySize(float64(size)), PrettySize(float64(size+d.WAL.Size))))
	}
	if dedup, r, ok := dedupRatio(b); ok {
		w.nested("Incremental size", fmt.Sprintf("%s (-%s)", PrettySize(float64(dedup)), Percent(r)))
	}
	w.nested("Timeline", py(b, "timeline"))
	w.nested("Begin WAL", py(b, "begin_wal"))
	w.nested("End WAL", py(b, "end_wal"))
	w.nested("WAL number", fmt.Sprint(d.WAL.Num))
	if d.WAL.CompressionRatio > 0 {
		w.nested("WAL compression ratio", Percent(d.WAL.CompressionRatio))
	}
	w.nested("Begin time", pyTime(b, "begin_time"))
	w.nested("End time", pyTime(b, "end_time"))
	if copyTime, analysis, hasAnalysis, workers := copyStats(b); copyTime != 0 {
		w.nested("Copy time", copyTimeText(copyTime, analysis, hasAnalysis))
		if size, ok := throughputSize(b); ok {
			v := PrettySize(float64(size)/copyTime) + "/s"
			if workers > 1 {
				v += fmt.Sprintf(" (%d jobs)", workers)
			}
			w.nested("Estimated throughput", v)
		}
	}
	w.nested("Begin Offset", py(b, "begin_offset"))
	w.nested("End Offset", py(b, "end_offset"))
	w.nested("Begin LSN", py(b, "begin_xlog"))
	w.nested("End LSN", py(b, "end_xlog"))
	w.line("")
}

func (d *Details) wal(w *showWriter) {
	wi := d.WAL
	w.header("WAL information")
	w.nested("No of files", fmt.Sprint(wi.UntilNextNum))
	w.nested("Disk usage", PrettySize(float64(wi.UntilNextSize)))
	if wi.PerSecond > 0 {
		w.nested("WAL rate", fmt.Sprintf("%.2f/hour", wi.PerSecond*3600))
	}
	if wi.UntilNextCompressionRatio > 0 {
		w.nested("Compression ratio", Percent(wi.UntilNextCompressionRatio))
	}
	w.nested("Last available", orNone(wi.Last))
	if len(d.Children) > 0 {
		var tlis []string
		for _, c := range d.Children {
			tlis = append(tlis, fmt.Sprint(c.TLI))
		}
		w.nested("Reachable timelines", strings.Join(tlis, ", "))
	}
	w.line("")
}

func (d *Details) catalogInfo(w *showWriter) {
	w.header("Catalog information")
	w.nested("Retention Policy", or(d.Retention, "not enforced"))
	w.nested("Previous Backup", or(d.Previous, "- (this is the oldest base backup)"))
	w.nested("Next Backup", or(d.Next, "- (this is the latest base backup)"))
	if len(d.Children) > 0 {
		w.line("")
		w.line("WARNING: WAL information is inaccurate due to multiple timelines interacting with this backup")
	}
}

func or(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func orNone(s string) string { return or(s, "None") }
