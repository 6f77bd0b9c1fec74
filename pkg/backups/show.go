package backups

import (
	"fmt"

	"github.com/gobarman/barman/pkg/catalog"
)

// Details is what show-backup prints about a backup: its backup.info and,
// when its copy is over, its WAL figures, neighbours and the timelines
// that branched after it.
type Details struct {
	Backup         *catalog.BackupInfo
	Server         string // server_name of backup.info, else the server's
	CopyDone       bool   // DONE or WAITING_FOR_WALS: the fields below are set
	WAL            WALInfo
	Previous, Next string // IDs, "" when none
	Children       []ChildTimeline
	// Retention is the retention policy status ("VALID", "OBSOLETE", ...);
	// "" when no policy is enforced. The caller sets it.
	Retention string
}

// Details gathers show-backup's facts about b; entries is xlog.db.
func (c *Catalogue) Details(b *catalog.BackupInfo, entries []catalog.WALEntry) (*Details, error) {
	d := &Details{Backup: b, Server: b.ServerName(), CopyDone: IsCopyDone(b)}
	if d.Server == "" {
		d.Server = c.Server
	}
	if !d.CopyDone {
		return d, nil
	}
	var err error
	if d.WAL, err = c.WALInfo(b, entries); err != nil {
		return nil, err
	}
	d.Previous, d.Next = IDOf(c.Previous(b.ID)), IDOf(c.Next(b.ID))
	d.Children = c.ChildrenTimelines(b)
	return d, nil
}

// py returns a backup.info value as Python's str() prints it: the text
// written, "None" when unset or absent.
func py(b *catalog.BackupInfo, key string) string {
	if v, ok := b.Raw(key); ok {
		return v
	}
	return "None"
}

// pyTime returns a time value as str() of the datetime Barman loads.
func pyTime(b *catalog.BackupInfo, key string) string {
	if t, ok := b.Time(key); ok {
		return PyTime(t)
	}
	return py(b, key)
}

// copyStats returns copy_time, analysis_time (ok false when absent) and
// number_of_workers (1 when absent) of copy_stats.
func copyStats(b *catalog.BackupInfo) (copyTime, analysis float64, hasAnalysis bool, workers int64) {
	stats := b.CopyStats()
	num := func(key string) (float64, bool) {
		v, ok := stats.Get(key)
		switch v := v.(type) {
		case catalog.PyInt:
			return float64(v), ok
		case catalog.PyFloat:
			return float64(v), ok
		}
		return 0, false
	}
	copyTime, _ = num("copy_time")
	analysis, hasAnalysis = num("analysis_time")
	workers = 1
	if w, ok := num("number_of_workers"); ok {
		workers = int64(w)
	}
	return copyTime, analysis, hasAnalysis, workers
}

// throughputSize is the size the estimated throughput is computed from:
// deduplicated_size, else size.
func throughputSize(b *catalog.BackupInfo) (int64, bool) {
	if n, ok := b.DeduplicatedSize(); ok && n != 0 {
		return n, true
	}
	return b.Size()
}

// dedupRatio returns 1 - deduplicated_size/size, when both are known.
func dedupRatio(b *catalog.BackupInfo) (dedup int64, ratio float64, ok bool) {
	dedup, ok1 := b.DeduplicatedSize()
	size, _ := b.Size()
	if !ok1 || size <= 0 {
		return 0, 0, false
	}
	return dedup, 1 - float64(dedup)/float64(size), true
}

// copyTimeText is "Copy time" of show-backup: "1 second", with
// " + N seconds startup" when the analysis took a second or more.
func copyTimeText(copyTime, analysis float64, hasAnalysis bool) string {
	s := Duration(Seconds(copyTime))
	if hasAnalysis && analysis >= 1 {
		s += fmt.Sprintf(" + %s startup", Duration(Seconds(analysis)))
	}
	return s
}
