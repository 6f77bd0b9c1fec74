package backups

import (
	"fmt"
	"slices"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/walname"
)

// SkipError says why a backup may not be deleted, in Barman's words
// (printed as a warning).
type SkipError struct{ Msg string }

func (e *SkipError) Error() string { return e.Msg }

// Deletable checks Barman's two refusals: a backup with a keep annotation,
// and a DONE backup when there are no more DONE backups than
// minimumRedundancy. The refusal is a *SkipError.
func (c *Catalogue) Deletable(b *catalog.BackupInfo, minimumRedundancy int) error {
	if _, kept, err := c.KeepTarget(b.ID); err != nil {
		return err
	} else if kept {
		return &SkipError{fmt.Sprintf("Skipping delete of backup %s for server %s as it has a current keep request. "+
			"If you really want to delete this backup please remove the keep and try again.", b.ID, c.Server)}
	}
	done := len(c.Filter(catalog.StatusDone))
	if b.Status() == catalog.StatusDone && minimumRedundancy >= done {
		return &SkipError{fmt.Sprintf("Skipping delete of backup %s for server %s due to minimum redundancy requirements "+
			"(minimum redundancy = %d, current redundancy = %d)", b.ID, c.Server, minimumRedundancy, done)}
	}
	return nil
}

// WALRemoval says which archived WAL files go with a deleted backup.
type WALRemoval struct {
	// Remove is false when WAL files stay: an older backup may need them.
	Remove bool
	// Until is the backup whose begin_wal bounds the removal (the files
	// before it go); nil means every file.
	Until *catalog.BackupInfo
	// ProtectTimelines are timelines other remaining backups use.
	ProtectTimelines []uint32
	// ProtectRanges are the inclusive [begin_wal, end_wal] ranges of older
	// keep:standalone backups.
	ProtectRanges [][2]string
}

// PlanWALRemoval decides, as Barman 3.4 does, which WAL files go when b is
// deleted. They go only when no older DONE or WAITING_FOR_WALS backup
// remains, or (retention only) when all older ones are kept as standalone,
// whose own WAL ranges are then protected. Files go up to the next
// backup's begin_wal; with no next backup, up to b's own begin_wal with
// concurrent backups, else all of them. Never removed: .history files and
// files on the timelines of other backups that still need the archive.
func (c *Catalogue) PlanWALRemoval(b *catalog.BackupInfo, concurrent, retention bool) (WALRemoval, error) {
	var p WALRemoval
	for prev := c.Previous(b.ID); prev != nil; prev = c.Previous(prev.ID) {
		target, _, err := c.KeepTarget(prev.ID)
		if err != nil || !retention || target != KeepStandalone {
			return WALRemoval{}, err
		}
		p.ProtectRanges = append(p.ProtectRanges, [2]string{prev.BeginWAL(), prev.EndWAL()})
	}
	p.Remove = true
	if p.Until = c.Next(b.ID); p.Until == nil && concurrent {
		p.Until = b
	}
	if p.Until != nil {
		p.ProtectTimelines = c.otherTimelines(b, p.Until)
	}
	return p, nil
}

// otherTimelines lists the timelines of the backups (but deleted) that
// need the archive, except until's.
func (c *Catalogue) otherTimelines(deleted, until *catalog.BackupInfo) []uint32 {
	untilTLI, untilOK := until.Timeline()
	var out []uint32
	for _, o := range c.Filter(Archiving...) {
		tli, ok := o.Timeline()
		if o.ID == deleted.ID || !ok || untilOK && tli == untilTLI || slices.Contains(out, tli) {
			continue
		}
		out = append(out, tli)
	}
	return out
}

func (p WALRemoval) keeps(name string, n walname.Name) bool {
	if n.Kind == walname.History || slices.Contains(p.ProtectTimelines, n.Timeline) {
		return true
	}
	seg := name
	if n.Kind == walname.BackupLabel {
		seg = name[:24]
	}
	for _, r := range p.ProtectRanges {
		if seg >= r[0] && seg <= r[1] {
			return true
		}
	}
	return p.Until != nil && p.Until.BeginWAL() != "" && name >= p.Until.BeginWAL()
}
