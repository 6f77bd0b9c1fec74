package backups

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/walname"
)

// BadWALNameError is an xlog.db line whose name is not a WAL file name.
type BadWALNameError struct{ Name, Server string }

func (e *BadWALNameError) Error() string {
	return fmt.Sprintf("invalid WAL segment name %q\nHINT: Please run \"barman rebuild-xlogdb %s\" to solve this issue", e.Name, e.Server)
}

// WALsUntilNext returns the archived WAL files that belong to b, as
// Barman's get_wal_until_next_backup finds them: reading entries (xlog.db)
// in file order, the segments of b's timeline from b's begin_wal on, until
// the first one past the next backup's end_wal (the scan stops there), or
// to the end when b is the newest backup. With withHistory, .history files
// (all of them, wherever they stand before the scan stops) are included.
// A backup without begin_wal has no WAL files.
func (c *Catalogue) WALsUntilNext(b *catalog.BackupInfo, entries []catalog.WALEntry, withHistory bool) ([]catalog.WALEntry, error) {
	begin := b.BeginWAL()
	if begin == "" {
		return nil, nil
	}
	first, err := walname.Parse(begin)
	if err != nil {
		return nil, &BadWALNameError{Name: begin, Server: c.Server}
	}
	nextEnd := ""
	if next := c.Next(b.ID); next != nil {
		nextEnd = next.EndWAL()
	}
	var out []catalog.WALEntry
	if start, ok := c.sortedStart(entries, begin); ok {
		// Everything before start sorts before begin: only its history
		// files matter.
		if withHistory {
			for _, e := range entries[:start] {
				if walname.Classify(e.Name) == walname.History {
					out = append(out, e)
				}
			}
		}
		entries = entries[start:]
	}
	for _, e := range entries {
		n, err := walname.Parse(e.Name)
		if err == nil && n.Kind == walname.History {
			if withHistory {
				out = append(out, e)
			}
			continue
		}
		if e.Name < begin {
			continue
		}
		if err != nil {
			return nil, &BadWALNameError{Name: e.Name, Server: c.Server}
		}
		if n.Timeline > first.Timeline || n.Kind != walname.Segment {
			continue
		}
		if nextEnd != "" && e.Name > nextEnd {
			break
		}
		out = append(out, e)
	}
	return out, nil
}

// WALInfo is what Barman's get_wal_info computes for a backup.
type WALInfo struct {
	Num           int   // segments from begin_wal to end_wal
	Size          int64 // their size on disk
	UntilNextNum  int   // segments after end_wal, until the next backup
	UntilNextSize int64
	First, Last   string  // begin_wal when archived, and the last segment counted
	FirstTime     float64 // their xlog.db times
	LastTime      float64
	// The statistics below are computed only when First and Last are set.
	PerSecond                 float64 // (Num+UntilNextNum) / (LastTime-FirstTime)
	CompressionRatio          float64 // 1 - Size / (Num * segment size)
	UntilNextCompressionRatio float64
}

// WALInfo computes the WAL figures of b from entries (xlog.db).
func (c *Catalogue) WALInfo(b *catalog.BackupInfo, entries []catalog.WALEntry) (WALInfo, error) {
	var w WALInfo
	wals, err := c.WALsUntilNext(b, entries, false)
	if err != nil {
		return w, err
	}
	begin, end := b.BeginWAL(), b.EndWAL()
	for _, e := range wals {
		if e.Name == begin {
			w.First, w.FirstTime = e.Name, e.Time
		}
		if e.Name <= end {
			w.Num++
			w.Size += e.Size
		} else {
			w.UntilNextNum++
			w.UntilNextSize += e.Size
		}
		w.Last, w.LastTime = e.Name, e.Time
	}
	if w.First != "" && w.Last != "" {
		w.stats(float64(b.XlogSegmentSize()))
	}
	return w, nil
}

func (w *WALInfo) stats(segSize float64) {
	if secs := w.LastTime - w.FirstTime; secs > 0 {
		w.PerSecond = float64(w.Num+w.UntilNextNum) / secs
	}
	w.CompressionRatio = ratio(w.Size, w.Num, segSize)
	w.UntilNextCompressionRatio = ratio(w.UntilNextSize, w.UntilNextNum, segSize)
}

// ratio is 1 - size/(n*segSize), 0 when n is 0.
func ratio(size int64, n int, segSize float64) float64 {
	if n == 0 {
		return 0
	}
	return 1 - float64(size)/(float64(n)*segSize)
}

// RequiredSegments returns the names of the segments b needs to be
// consistent: begin_wal to end_wal. Before PostgreSQL 9.3 the last segment
// of each log (xxxFF) did not exist and is skipped, as Barman does.
func RequiredSegments(b *catalog.BackupInfo) ([]string, error) {
	begin, err := walname.Parse(b.BeginWAL())
	if err != nil {
		return nil, err
	}
	end, err := walname.Parse(b.EndWAL())
	if err != nil {
		return nil, err
	}
	size := b.XlogSegmentSize()
	seq, err := walname.Between(begin, end, size)
	if err != nil {
		return nil, err
	}
	version, ok := b.Version()
	skipLast := ok && version < 90300
	var out []string
	for n := range seq {
		if !skipLast || uint64(n.Seg) != walname.SegmentsPerLog(size)-1 {
			out = append(out, n.String())
		}
	}
	return out, nil
}

// sortedStart returns the index of the first entry whose name is not
// before begin, when entries are in name order (xlog.db as Barman and
// barman write it); ok is false otherwise. Whether they are is checked
// once per xlog.db read: list-backups asks for every backup.
func (c *Catalogue) sortedStart(entries []catalog.WALEntry, begin string) (int, bool) {
	if len(entries) == 0 {
		return 0, false
	}
	if c.sorted.first != &entries[0] || c.sorted.n != len(entries) {
		c.sorted.first, c.sorted.n = &entries[0], len(entries)
		c.sorted.ok = slices.IsSortedFunc(entries, func(a, b catalog.WALEntry) int { return strings.Compare(a.Name, b.Name) })
	}
	if !c.sorted.ok {
		return 0, false
	}
	i, _ := slices.BinarySearchFunc(entries, begin, func(e catalog.WALEntry, name string) int { return strings.Compare(e.Name, name) })
	return i, true
}
