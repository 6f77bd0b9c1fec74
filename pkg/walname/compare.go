package walname

import "cmp"

// Compare orders names as their file names sort: by timeline, a timeline's
// .history file first, then by segment, and for one segment the segment
// itself, its backup labels by offset, then its .partial file. Unknown names
// sort first. Compare(a, b) == strings.Compare(a.String(), b.String()).
func Compare(a, b Name) int {
	ka, kb := sortKey(a), sortKey(b)
	for i := range ka {
		if c := cmp.Compare(ka[i], kb[i]); c != 0 {
			return c
		}
	}
	return 0
}

// sortKey lists the fields Compare looks at, most significant first.
func sortKey(n Name) [6]uint64 {
	switch n.Kind {
	case Unknown:
		return [6]uint64{}
	case History:
		return [6]uint64{1, uint64(n.Timeline)}
	}
	rank := [...]uint64{Segment: 0, BackupLabel: 1, Partial: 2}[n.Kind]
	off := uint64(0)
	if n.Kind == BackupLabel {
		off = uint64(n.Offset)
	}
	return [6]uint64{1, uint64(n.Timeline), 1, uint64(n.Log)<<32 | uint64(n.Seg), rank, off}
}
