package backups

import (
	"fmt"
	"strconv"

	"github.com/gobarman/barman/pkg/catalog"
)

// JSON returns show-backup's JSON object for the backup (the value under
// the server's name), with Barman 3.4's keys.
func (d *Details) JSON() map[string]any {
	b := d.Backup
	out := map[string]any{"backup_id": b.ID, "status": string(b.Status())}
	if name := b.BackupName(); name != "" {
		out["backup_name"] = name
	}
	if !d.CopyDone {
		if msg := b.ErrorMessage(); msg != "" {
			out["error"] = msg
		}
		return out
	}
	out["postgresql_version"] = jsonInt(b, "version")
	out["pgdata_directory"] = jsonStr(b, "pgdata")
	ts := []any{}
	for _, t := range b.Tablespaces() {
		ts = append(ts, map[string]any{"name": t.Name, "location": t.Location, "oid": t.OID})
	}
	out["tablespaces"] = ts
	out["base_backup_information"] = d.baseJSON()
	out["wal_information"] = d.walJSON()
	out["catalog_information"] = map[string]any{
		"retention_policy": or(d.Retention, "not enforced"),
		"previous_backup":  or(d.Previous, "- (this is the oldest base backup)"),
		"next_backup":      or(d.Next, "- (this is the latest base backup)"),
	}
	return out
}

func (d *Details) baseJSON() map[string]any {
	b := d.Backup
	size, _ := b.Size()
	m := map[string]any{
		"disk_usage": PrettySize(float64(size)), "disk_usage_bytes": size,
		"disk_usage_with_wals": PrettySize(float64(size + d.WAL.Size)), "disk_usage_with_wals_bytes": size + d.WAL.Size,
		"timeline": jsonInt(b, "timeline"), "begin_wal": jsonStr(b, "begin_wal"), "end_wal": jsonStr(b, "end_wal"),
		"begin_time_timestamp": jsonStamp(b, "begin_time"), "begin_time": jsonTime(b, "begin_time"),
		"end_time_timestamp": jsonStamp(b, "end_time"), "end_time": jsonTime(b, "end_time"),
		"begin_offset": jsonInt(b, "begin_offset"), "end_offset": jsonInt(b, "end_offset"),
		"begin_lsn": jsonStr(b, "begin_xlog"), "end_lsn": jsonStr(b, "end_xlog"),
	}
	if dedup, r, ok := dedupRatio(b); ok {
		m["incremental_size"], m["incremental_size_bytes"] = PrettySize(float64(dedup)), dedup
		m["incremental_size_ratio"] = "-" + Percent(r)
	}
	if d.WAL.CompressionRatio > 0 {
		m["wal_compression_ratio"] = Percent(d.WAL.CompressionRatio)
	}
	if copyTime, analysis, _, workers := copyStats(b); copyTime != 0 {
		m["copy_time"], m["copy_time_seconds"] = Duration(Seconds(copyTime)), copyTime
		m["analysis_time"], m["analysis_time_seconds"] = Duration(Seconds(analysis)), analysis
		n, _ := throughputSize(b)
		m["throughput"], m["throughput_bytes"] = PrettySize(float64(n)/copyTime)+"/s", float64(n)/copyTime
		m["number_of_workers"] = workers
	}
	return m
}

func (d *Details) walJSON() map[string]any {
	wi := d.WAL
	m := map[string]any{
		"no_of_files": wi.UntilNextNum, "disk_usage": PrettySize(float64(wi.UntilNextSize)),
		"disk_usage_bytes": wi.UntilNextSize, "wal_rate": 0, "wal_rate_per_second": 0,
		"compression_ratio": 0, "last_available": jsonOrNull(wi.Last), "timelines": []string{},
	}
	if wi.PerSecond > 0 {
		m["wal_rate"], m["wal_rate_per_second"] = fmt.Sprintf("%.2f/hour", wi.PerSecond*3600), wi.PerSecond
	}
	if wi.UntilNextCompressionRatio > 0 {
		m["compression_ratio"] = Percent(wi.UntilNextCompressionRatio)
	}
	if len(d.Children) > 0 {
		// Barman 3.4's text, with the indentation of its source line breaks.
		m["_WARNING"] = "WAL information is inaccurate " + indent + "due to multiple timelines interacting with " + indent + "this backup"
		var tlis []string
		for _, c := range d.Children {
			tlis = append(tlis, strconv.FormatUint(uint64(c.TLI), 10))
		}
		m["timelines"] = tlis
	}
	return m
}

const indent = "                    " // 20 spaces

func jsonOrNull(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func jsonStr(b *catalog.BackupInfo, key string) any { return jsonOrNull(b.String(key)) }

func jsonInt(b *catalog.BackupInfo, key string) any {
	if n, ok := b.Int(key); ok {
		return n
	}
	return nil
}

func jsonTime(b *catalog.BackupInfo, key string) any {
	if t, ok := b.Time(key); ok {
		return PyTime(t)
	}
	return nil
}

// jsonStamp is str(int(timestamp)) of a time, as Barman writes it.
func jsonStamp(b *catalog.BackupInfo, key string) any {
	if t, ok := b.Time(key); ok {
		return strconv.FormatInt(t.Unix(), 10)
	}
	return nil
}
