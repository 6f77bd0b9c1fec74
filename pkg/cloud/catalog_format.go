package cloud

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
)

// ListConsole returns barman-cloud-backup-list's console table: a header
// and one line per DONE backup, oldest first, with its keep status
// (KEEP:FULL, KEEP:STANDALONE) and name. keep gives a backup's target.
func ListConsole(c *Catalog, keep func(id string) (string, error)) (string, error) {
	const row = "%-20s%-25s%-30s%-17s%-20s\n"
	var sb strings.Builder
	fmt.Fprintf(&sb, row, "Backup ID", "End Time", "Begin Wal", "Archival Status", "Name")
	for _, b := range c.Backups {
		if b.Status() != catalog.StatusDone {
			continue
		}
		target, err := keep(b.ID)
		if err != nil {
			return "", err
		}
		status := ""
		if target != "" {
			status = "KEEP:" + strings.ToUpper(target)
		}
		end := "None"
		if t, ok := b.EndTime(); ok {
			end = t.Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(&sb, row, b.ID, end, pyStr(b, catalog.KeyBeginWAL), status, b.BackupName())
	}
	return sb.String(), nil
}

// ListJSON returns barman-cloud-backup-list --format json: every backup,
// whatever its status, as Barman's BackupInfo.to_json.
func ListJSON(c *Catalog) string {
	var sb strings.Builder
	sb.WriteString(`{"backups_list": [`)
	for i, b := range c.Backups {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(BackupJSON(b))
	}
	sb.WriteString("]}\n")
	return sb.String()
}

// ShowJSON returns barman-cloud-backup-show --format json: the backup
// under its server's name, as barman show-backup.
func ShowJSON(b *catalog.BackupInfo) string {
	key := "null"
	if b.IsSet(catalog.KeyServerName) {
		key = jsonString(b.ServerName())
	}
	return "{" + key + ": " + BackupJSON(b) + "}\n"
}

// intKeys are the backup.info fields Barman loads as integers.
var intKeys = map[string]bool{"version": true, "timeline": true, "begin_offset": true, "size": true,
	"deduplicated_size": true, "end_offset": true, "xlog_segment_size": true}

// jsonKeys are BackupInfo's fields in the order of its to_json: sorted
// by name, backup_id last.
var jsonKeys = []string{"backup_label", "backup_name", "begin_offset", "begin_time", "begin_wal", "begin_xlog",
	"compression", "config_file", "copy_stats", "deduplicated_size", "end_offset", "end_time", "end_wal", "end_xlog",
	"error", "hba_file", "ident_file", "included_files", "mode", "pgdata", "server_name", "size",
	"snapshots_info", "status", "systemid", "tablespaces", "timeline", "version", "xlog_segment_size"}

// BackupJSON is Barman's json.dumps(BackupInfo.to_json()) for b: the
// fields Barman knows (other keys of backup.info are left out), integers
// as numbers, times as ctime(), Python literals as JSON, backup_label as
// its Python repr (as Barman's null_repr leaves it), non-ASCII escaped.
func BackupJSON(b *catalog.BackupInfo) string {
	var parts []string
	for _, k := range jsonKeys {
		raw, present := b.Raw(k)
		set := present && raw != "None"
		if (k == "backup_name" || k == "snapshots_info") && !set {
			continue
		}
		parts = append(parts, jsonString(k)+": "+fieldJSON(b, k, raw, present, set))
	}
	parts = append(parts, `"backup_id": `+jsonString(b.ID))
	return "{" + strings.Join(parts, ", ") + "}"
}

func fieldJSON(b *catalog.BackupInfo, k, raw string, present, set bool) string {
	switch {
	case k == "status" && !present:
		return `"EMPTY"`
	case k == "xlog_segment_size" && !present:
		return "16777216"
	case !set:
		return "null"
	case intKeys[k]:
		if n, ok := b.Int(k); ok {
			return strconv.FormatInt(n, 10)
		}
	case k == "begin_time" || k == "end_time":
		if t, ok := b.Time(k); ok {
			return jsonString(backups.Ctime(t))
		}
	case k == "tablespaces":
		var ts []string
		for _, t := range b.Tablespaces() {
			ts = append(ts, fmt.Sprintf("[%s, %d, %s]", jsonString(t.Name), t.OID, jsonString(t.Location)))
		}
		return "[" + strings.Join(ts, ", ") + "]"
	case k == "backup_label":
		if v, ok := b.Literal(k); ok {
			if s, isStr := v.(catalog.PyStr); isStr && s == "" {
				return "null"
			}
			return jsonString(catalog.PyRepr(v))
		}
	case k == "copy_stats" || k == "included_files" || k == "snapshots_info":
		if v, ok := b.Literal(k); ok {
			return pyJSON(v)
		}
	}
	return jsonString(raw)
}

// pyJSON is Python's json.dumps of a literal.
func pyJSON(v catalog.PyValue) string {
	switch v := v.(type) {
	case nil, catalog.PyNone:
		return "null"
	case catalog.PyBool:
		if v {
			return "true"
		}
		return "false"
	case catalog.PyInt:
		return strconv.FormatInt(int64(v), 10)
	case catalog.PyFloat:
		switch s := catalog.PyRepr(v); s {
		case "inf":
			return "Infinity"
		case "-inf":
			return "-Infinity"
		case "nan":
			return "NaN"
		default:
			return s
		}
	case catalog.PyStr:
		return jsonString(string(v))
	case catalog.PyList:
		return seqJSON(v)
	case catalog.PyTuple:
		return seqJSON(v)
	case catalog.PyDict:
		var items []string
		for _, it := range v {
			key := pyJSON(it.Key)
			if _, isStr := it.Key.(catalog.PyStr); !isStr {
				key = jsonString(strings.Trim(key, `"`))
			}
			items = append(items, key+": "+pyJSON(it.Value))
		}
		return "{" + strings.Join(items, ", ") + "}"
	}
	return "null"
}

func seqJSON(vs []catalog.PyValue) string {
	items := make([]string, len(vs))
	for i, v := range vs {
		items[i] = pyJSON(v)
	}
	return "[" + strings.Join(items, ", ") + "]"
}

// jsonString quotes s as Python's json.dumps (ensure_ascii): non-ASCII
// characters as \uXXXX escapes (surrogate pairs beyond the BMP).
func jsonString(s string) string {
	var sb strings.Builder
	sb.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			sb.WriteString(`\"`)
		case r == '\\':
			sb.WriteString(`\\`)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r == '\b':
			sb.WriteString(`\b`)
		case r == '\f':
			sb.WriteString(`\f`)
		case r < 0x20 || r > 0x7e && r < 0x10000:
			fmt.Fprintf(&sb, `\u%04x`, r)
		case r >= 0x10000:
			a, b := utf16.EncodeRune(r)
			fmt.Fprintf(&sb, `\u%04x\u%04x`, a, b)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('"')
	return sb.String()
}

// pyStr is a field as Python's str() shows it: "None" when unset.
func pyStr(b *catalog.BackupInfo, key string) string {
	if !b.IsSet(key) {
		return "None"
	}
	switch {
	case key == "begin_time" || key == "end_time":
		if t, ok := b.Time(key); ok {
			return backups.PyTime(t)
		}
	case key == "status":
		return string(b.Status())
	}
	v, _ := b.Raw(key)
	return v
}

// ShowConsole returns barman-cloud-backup-show's console output for b
// (Barman's render_show_backup fed with the backup.info alone: there is
// no WAL or catalogue section).
func ShowConsole(b *catalog.BackupInfo) string {
	var lines []string
	row := func(k, v string) { lines = append(lines, fmt.Sprintf("  %-23s: %s", k, v)) }
	nested := func(k, v string) { lines = append(lines, fmt.Sprintf("    %-21s: %s", k, v)) }
	lines = append(lines, fmt.Sprintf("Backup %s:", b.ID))
	if b.IsSet(catalog.KeyBackupName) {
		row("Backup Name", b.BackupName())
	}
	row("Server Name", pyStr(b, catalog.KeyServerName))
	if b.SystemID() != "" {
		row("System Id", b.SystemID())
	}
	status := string(b.Status())
	if _, present := b.Raw("status"); !present {
		status = "EMPTY"
	}
	row("Status", status)
	if !copyDone(b) {
		if b.ErrorMessage() != "" {
			row("Error", b.ErrorMessage())
		}
		return strings.Join(lines, "\n") + "\n"
	}
	row("PostgreSQL Version", pyStr(b, "version"))
	row("PGDATA directory", pyStr(b, "pgdata"))
	lines = append(lines, "")
	if ts := b.Tablespaces(); len(ts) > 0 {
		lines = append(lines, "  Tablespaces:")
		for _, t := range ts {
			nested(t.Name, fmt.Sprintf("%s (oid: %d)", t.Location, t.OID))
		}
		lines = append(lines, "")
	}
	lines = append(lines, "  Base backup information:")
	size, hasSize := b.Size()
	if hasSize {
		// Barman 3.4 fails here (it wants the size of the WAL files,
		// which the cloud catalogue does not have): the size alone.
		nested("Disk usage", backups.PrettySize(float64(size)))
	}
	if dedup, ok := b.DeduplicatedSize(); ok && hasSize && size > 0 {
		nested("Incremental size", fmt.Sprintf("%s (-%s)", backups.PrettySize(float64(dedup)), backups.Percent(1-float64(dedup)/float64(size))))
	}
	nested("Timeline", pyStr(b, "timeline"))
	nested("Begin WAL", pyStr(b, "begin_wal"))
	nested("End WAL", pyStr(b, "end_wal"))
	nested("Begin time", pyStr(b, "begin_time"))
	nested("End time", pyStr(b, "end_time"))
	copyStatsLines(b, nested)
	nested("Begin Offset", pyStr(b, "begin_offset"))
	nested("End Offset", pyStr(b, "end_offset"))
	nested("Begin LSN", pyStr(b, "begin_xlog"))
	nested("End LSN", pyStr(b, "end_xlog"))
	lines = append(lines, "")
	return strings.Join(lines, "\n") + "\n"
}

// copyStatsLines writes Copy time and Estimated throughput from
// copy_stats, as Barman does.
func copyStatsLines(b *catalog.BackupInfo, nested func(k, v string)) {
	v, ok := b.Literal("copy_stats")
	d, isDict := v.(catalog.PyDict)
	if !ok || !isDict || len(d) == 0 {
		return
	}
	get := func(key string) (float64, bool) {
		for _, it := range d {
			if k, ok := it.Key.(catalog.PyStr); ok && string(k) == key {
				switch n := it.Value.(type) {
				case catalog.PyInt:
					return float64(n), true
				case catalog.PyFloat:
					return float64(n), true
				}
			}
		}
		return 0, false
	}
	copyTime, ok := get("copy_time")
	if !ok || copyTime == 0 {
		return
	}
	value := backups.Duration(backups.Seconds(copyTime))
	if a, ok := get("analysis_time"); ok && a >= 1 {
		value += " + " + backups.Duration(backups.Seconds(a)) + " startup"
	}
	nested("Copy time", value)
	size, ok := b.DeduplicatedSize()
	if !ok || size == 0 {
		size, ok = b.Size()
	}
	if !ok {
		return
	}
	value = backups.PrettySize(float64(size)/copyTime) + "/s"
	if w, ok := get("number_of_workers"); ok && w > 1 {
		value += fmt.Sprintf(" (%d jobs)", int64(w))
	}
	nested("Estimated throughput", value)
}
