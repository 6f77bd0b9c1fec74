package recovery

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/walname"
)

// Span is one timeline of a Chain and the LSN where it begins.
type Span struct {
	TLI   uint32
	Begin walname.LSN
}

// Chain is the timelines a recovery follows from the backup's timeline to
// the target timeline, oldest first.
type Chain []Span

// Target is the timeline the chain ends on.
func (c Chain) Target() uint32 { return c[len(c)-1].TLI }

// TLIFor returns the timeline whose copy of segment segno PostgreSQL
// reads: the newest timeline of the chain that has begun by then (a
// timeline's first segment holds the switch, and is read from the new
// timeline).
func (c Chain) TLIFor(segno, segSize uint64) uint32 {
	tli := c[0].TLI
	for _, s := range c[1:] {
		if uint64(s.Begin)/segSize <= segno {
			tli = s.TLI
		}
	}
	return tli
}

// Has reports whether tli is in the chain.
func (c Chain) Has(tli uint32) bool {
	for _, s := range c {
		if s.TLI == tli {
			return true
		}
	}
	return false
}

// ResolveChain picks the timeline to recover to from spec ("", "latest",
// "current" or a number) and returns the chain from backupTLI to it.
// histories holds the parsed history files of the archive by timeline.
// A timeline qualifies when it descends from backupTLI at a switchpoint
// after begin (the backup's start): PostgreSQL refuses the others.
func ResolveChain(backupTLI uint32, begin walname.LSN, spec string, histories map[uint32][]backups.ChildTimeline) (Chain, error) {
	current := Chain{{TLI: backupTLI}}
	switch spec {
	case "current":
		return current, nil
	case "", "latest":
		tlis := make([]uint32, 0, len(histories))
		for tli := range histories {
			tlis = append(tlis, tli)
		}
		sort.Slice(tlis, func(i, j int) bool { return tlis[i] > tlis[j] })
		for _, tli := range tlis {
			if tli <= backupTLI {
				continue
			}
			if c, err := chainTo(backupTLI, begin, tli, histories[tli]); err == nil {
				return c, nil
			}
		}
		return current, nil
	}
	n, err := strconv.ParseUint(spec, 10, 32)
	if err != nil {
		return nil, fmt.Errorf("--target-tli %q: want a timeline number, 'current' or 'latest'", spec)
	}
	if uint32(n) == backupTLI {
		return current, nil
	}
	h, ok := histories[uint32(n)]
	if !ok {
		return nil, fmt.Errorf("timeline %d has no history file in the archive (%s): it is not a timeline of this server", n, walname.HistoryName(uint32(n)))
	}
	return chainTo(backupTLI, begin, uint32(n), h)
}

func chainTo(backupTLI uint32, begin walname.LSN, tli uint32, history []backups.ChildTimeline) (Chain, error) {
	var c Chain
	var start walname.LSN
	for _, l := range history {
		if l.Parent == backupTLI || len(c) > 0 {
			c = append(c, Span{TLI: l.Parent, Begin: start})
			if l.Parent == backupTLI && l.Switchpoint <= begin {
				return nil, fmt.Errorf("timeline %d left the backup's timeline %d at %s, before the backup began (%s): use an older backup or another --target-tli", tli, backupTLI, l.Switchpoint, begin)
			}
		}
		start = l.Switchpoint
	}
	if len(c) == 0 {
		return nil, fmt.Errorf("timeline %d does not descend from the backup's timeline %d (see %s)", tli, backupTLI, walname.HistoryName(tli))
	}
	c[0].Begin = 0
	return append(c, Span{TLI: tli, Begin: start}), nil
}
