package walname

import (
	"fmt"
	"math/bits"
)

// DefaultSegmentSize is PostgreSQL's default WAL segment size (16 MiB).
const DefaultSegmentSize = 16 << 20

// Bounds of the WAL segment size: a power of two between 1 MiB and 1 GiB.
const (
	MinSegmentSize = 1 << 20
	MaxSegmentSize = 1 << 30
)

// CheckSegmentSize reports whether size is a valid WAL segment size.
func CheckSegmentSize(size uint64) error {
	if size < MinSegmentSize || size > MaxSegmentSize || bits.OnesCount64(size) != 1 {
		return fmt.Errorf("invalid WAL segment size %d: want a power of two between %d and %d",
			size, MinSegmentSize, MaxSegmentSize)
	}
	return nil
}

// SegmentsPerLog returns how many segments of size bytes make one "log"
// (the middle 8 digits of a segment name): 256 for 16 MiB segments.
// size must be valid (CheckSegmentSize).
func SegmentsPerLog(size uint64) uint64 {
	return (1 << 32) / size
}

// SegmentOf returns the segment of timeline tli that holds lsn, and the
// offset of lsn inside it.
func SegmentOf(tli uint32, lsn LSN, size uint64) (Name, uint64, error) {
	if err := CheckSegmentSize(size); err != nil {
		return Name{}, 0, err
	}
	n := Name{
		Kind:     Segment,
		Timeline: tli,
		Log:      uint32(uint64(lsn) >> 32),
		Seg:      uint32((uint64(lsn) & 0xFFFFFFFF) / size),
	}
	return n, uint64(lsn) % size, nil
}

// StartLSN returns the LSN of the first byte of n's segment.
func (n Name) StartLSN(size uint64) (LSN, error) {
	if err := n.checkSegment(size); err != nil {
		return 0, err
	}
	return LSN(uint64(n.Log)<<32 + uint64(n.Seg)*size), nil
}

// Next returns the segment that follows n's segment on the same timeline.
func (n Name) Next(size uint64) (Name, error) {
	if err := n.checkSegment(size); err != nil {
		return Name{}, err
	}
	next := n.Segment()
	next.Seg++
	if uint64(next.Seg) < SegmentsPerLog(size) {
		return next, nil
	}
	if next.Log == 0xFFFFFFFF {
		return Name{}, fmt.Errorf("no segment after %s: end of WAL", n.Segment())
	}
	next.Log, next.Seg = next.Log+1, 0
	return next, nil
}

// checkSegment checks that n names a segment that exists with size.
func (n Name) checkSegment(size uint64) error {
	if err := CheckSegmentSize(size); err != nil {
		return err
	}
	switch n.Kind {
	case Segment, BackupLabel, Partial:
	default:
		return fmt.Errorf("%s name %q has no segment", n.Kind, n)
	}
	if uint64(n.Seg) >= SegmentsPerLog(size) {
		return fmt.Errorf("segment %s does not exist with %d-byte segments", n.Segment(), size)
	}
	return nil
}
