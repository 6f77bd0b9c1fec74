package walscan

import (
	"fmt"
	"hash/crc32"

	"github.com/gobarman/barman/pkg/walname"
)

// Scanner reads consecutive WAL segments of one timeline in order and
// carries a record that spans segments from one Feed to the next. It is
// not safe for concurrent use.
type Scanner struct {
	segSize uint64
	crc     *crc32.Table
	sysID   uint64       // system identifier of the first segment fed; 0 before
	next    walname.Name // the segment that follows the last one fed

	// What the next segment continues; cleared by reset.
	pageTLI uint32      // timeline of the last page read
	prev    walname.LSN // start of the last complete record; 0 if unknown
	part    []byte      // a record that spans pages: its bytes so far
	partLen uint32      // its xl_tot_len; 0 when no record is in progress
	partLSN walname.LSN // its start

	// What has been seen across all segments fed.
	last, lastEnd walname.LSN
	maxXID        uint32
	end           *End

	onRecord func(record) // tests only: called for each valid record
}

// End says where valid WAL stopped inside the segment last fed, and why.
type End struct {
	LSN    walname.LSN // where the first invalid record starts, or would start
	Reason string
}

func (e *End) String() string {
	return fmt.Sprintf("end of valid WAL at %s: %s", e.LSN, e.Reason)
}

// NewScanner returns a Scanner for segments of segSize bytes (16 MiB unless
// the cluster was initialised with another --wal-segsize).
func NewScanner(segSize uint64) (*Scanner, error) {
	if err := walname.CheckSegmentSize(segSize); err != nil {
		return nil, err
	}
	return &Scanner{segSize: segSize, crc: crc32.MakeTable(crc32.Castagnoli)}, nil
}

// Feed reads one whole segment; name is its file name (a segment or a
// .partial segment), which gives its timeline and position. It returns the
// events of the records that end in this segment: a record that started in
// the previous segment fed and finishes here is reported here.
//
// A segment that does not follow the previous one (another timeline, a gap)
// starts a fresh scan: the record carried over, if any, is dropped. Invalid
// WAL inside the segment is not an error: the scan of the segment stops
// there, and EndOfWAL says where and why. Feed fails when the segment is not
// the one its name says, has the wrong size, or is not PostgreSQL 15 WAL; the
// next Feed then starts afresh.
func (s *Scanner) Feed(name string, seg []byte) ([]Event, error) {
	s.end = nil
	n, start, err := s.checkSegment(name, seg)
	if err != nil {
		s.reset()
		return nil, err
	}
	if n.Segment() != s.next {
		s.reset()
	}
	s.next, _ = n.Next(s.segSize) // fails only at the end of the address space
	w := walker{s: s, seg: seg, start: start, tli: n.Timeline}
	return w.run(), nil
}

// EndOfWAL returns where valid WAL ended inside the segment last fed, or nil
// if that segment was valid up to its end (or up to a WAL switch, or to a
// record that continues in the next segment). PostgreSQL stops replaying at
// an end of WAL, so in an archive only the last segment should have one.
func (s *Scanner) EndOfWAL() *End {
	return s.end
}

// MaxXID returns the highest transaction id seen in a record header of the
// segments fed so far, comparing modulo 2^32 as PostgreSQL does, or 0 if
// no record carried one. A target xid that follows it was never assigned
// in the WAL read.
func (s *Scanner) MaxXID() uint32 {
	return s.maxXID
}

// LastRecord returns where the last complete record read starts and ends
// (its end is where the next record may start; for a WAL switch, the end of
// the segment), or zeros if there was none.
func (s *Scanner) LastRecord() (lsn, end walname.LSN) {
	return s.last, s.lastEnd
}

// reset forgets what the next segment would continue.
func (s *Scanner) reset() {
	s.pageTLI, s.prev = 0, 0
	s.dropPartial()
}

func (s *Scanner) dropPartial() {
	s.part, s.partLen, s.partLSN = s.part[:0], 0, 0
}

// accept records a valid record in the scanner's running state.
func (s *Scanner) accept(r record) {
	s.prev, s.last, s.lastEnd = r.lsn, r.lsn, r.end
	if x := r.xid; x >= firstNormalXID && (s.maxXID == 0 || int32(x-s.maxXID) > 0) {
		s.maxXID = x
	}
	if s.onRecord != nil {
		s.onRecord(r)
	}
}
