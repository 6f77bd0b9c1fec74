package archive

import (
	"fmt"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/walname"
)

// WALState says whether the WAL a backup needs is in the archive.
type WALState int

const (
	// WALsWaiting: some segment is not archived yet, and nothing newer is.
	WALsWaiting WALState = iota
	// WALsComplete: every segment from begin_wal to end_wal is archived.
	WALsComplete
	// WALsMissing: a segment is missing although newer ones arrived.
	WALsMissing
)

// BackupWALs checks the segments begin_wal..end_wal of a backup against
// the archive's catalogue (names from Catalogued). missing is the first
// segment not archived.
func BackupWALs(b *catalog.BackupInfo, names map[string]bool) (state WALState, missing string, err error) {
	begin, err := walname.Parse(b.BeginWAL())
	if err != nil {
		return WALsWaiting, "", fmt.Errorf("backup %s: begin_wal: %w", b.ID, err)
	}
	end, err := walname.Parse(b.EndWAL())
	if err != nil {
		return WALsWaiting, "", fmt.Errorf("backup %s: end_wal: %w", b.ID, err)
	}
	seq, err := walname.Between(begin, end, b.XlogSegmentSize())
	if err != nil {
		return WALsWaiting, "", fmt.Errorf("backup %s: %w", b.ID, err)
	}
	for n := range seq {
		if !names[n.String()] {
			missing = n.String()
			break
		}
	}
	if missing == "" {
		return WALsComplete, "", nil
	}
	for name := range names {
		if walname.Classify(name) == walname.Segment && name[:8] == missing[:8] && name > missing {
			return WALsMissing, missing, nil
		}
	}
	return WALsWaiting, missing, nil
}
