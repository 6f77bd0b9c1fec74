package backups

import (
	"bufio"
	"fmt"
	"io"
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
		lines, ok := c.readHistory(child)
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

// readHistory parses timeline tli's history file from the archive: through
// OpenWAL (which decompresses what xlog.db records, custom compression
// included) when set, else by its magic bytes.
func (c *Catalogue) readHistory(tli uint32) ([]ChildTimeline, bool) {
	name := walname.HistoryName(tli)
	var r io.ReadCloser
	if c.OpenWAL != nil {
		var err error
		if r, err = c.OpenWAL(name); err != nil {
			return nil, false
		}
	} else {
		f, err := os.Open(c.Layout.WALPath(name))
		if err != nil {
			return nil, false
		}
		defer f.Close()
		if r, _, err = compress.OpenAuto(f); err != nil {
			return nil, false
		}
	}
	defer r.Close()
	out, err := ParseHistory(r, tli)
	return out, err == nil && len(out) > 0
}

// ParseHistory parses the content of timeline tli's history file: one
// "parent<TAB>switchpoint<TAB>reason" line per ancestor, oldest first.
func ParseHistory(r io.Reader, tli uint32) ([]ChildTimeline, error) {
	var out []ChildTimeline
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, "\t", 3)
		if len(f) < 2 {
			return nil, fmt.Errorf("history file of timeline %d, line %d: want \"parent<TAB>switchpoint<TAB>reason\", got %q", tli, n, line)
		}
		parent, err1 := strconv.ParseUint(strings.TrimSpace(f[0]), 10, 32)
		lsn, err2 := walname.ParseLSN(strings.TrimSpace(f[1]))
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("history file of timeline %d, line %d: bad timeline or switchpoint in %q", tli, n, line)
		}
		reason := ""
		if len(f) == 3 {
			reason = f[2]
		}
		out = append(out, ChildTimeline{TLI: tli, Parent: uint32(parent), Switchpoint: lsn, Reason: reason})
	}
	return out, sc.Err()
}
