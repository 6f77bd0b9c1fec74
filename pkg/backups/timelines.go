package backups

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/walname"
)

// ChildTimeline is a line of a timeline history file: timeline TLI
// branched from Parent at Switchpoint.
type ChildTimeline struct {
	TLI, Parent uint32
	Switchpoint walname.LSN
	Reason      string
}

// ChildrenTimelines returns the timelines that branched from b's timeline
// after b's end LSN, as Barman's get_children_timelines finds them: it
// reads wals/<TLI>.history for TLI = timeline+1, +2, ... until one is
// missing. show-backup warns that WAL information is then inaccurate.
// A history file that cannot be read or parsed ends the search.
func (c *Catalogue) ChildrenTimelines(b *catalog.BackupInfo) []ChildTimeline {
	tli, ok := b.Timeline()
	if !ok {
		return nil
	}
	after, hasEnd := b.EndXlog()
	var out []ChildTimeline
	for child := tli + 1; child > tli; child++ {
		lines, ok := readHistory(c.Layout.WALPath(walname.HistoryName(child)), child)
		if !ok {
			break
		}
		for _, l := range lines {
			if l.Parent == tli && (!hasEnd || l.Switchpoint >= after) {
				out = append(out, l)
			}
		}
	}
	return out
}

// readHistory parses a history file, compressed or not.
func readHistory(path string, tli uint32) ([]ChildTimeline, bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	r, _, err := compress.OpenAuto(f)
	if err != nil {
		return nil, false
	}
	defer r.Close()
	var out []ChildTimeline
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, false
		}
		parent, err1 := strconv.ParseUint(f[0], 10, 32)
		lsn, err2 := walname.ParseLSN(f[1])
		if err1 != nil || err2 != nil {
			return nil, false
		}
		out = append(out, ChildTimeline{TLI: tli, Parent: uint32(parent), Switchpoint: lsn, Reason: f[2]})
	}
	return out, sc.Err() == nil && len(out) > 0
}
