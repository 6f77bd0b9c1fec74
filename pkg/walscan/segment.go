package walscan

import (
	"encoding/binary"
	"fmt"

	"github.com/gobarman/barman/pkg/walfile"
	"github.com/gobarman/barman/pkg/walname"
)

// Page layout (access/xlog_internal.h).
const (
	blockSize      = 8192   // XLOG_BLCKSZ
	pageMagic      = 0xD110 // XLOG_PAGE_MAGIC of PostgreSQL 15
	shortHeaderLen = 24     // MAXALIGN(sizeof(XLogPageHeaderData))
	longHeaderLen  = walfile.HeaderSize

	xlpFirstIsContrecord          = 0x0001
	xlpLongHeader                 = 0x0002
	xlpFirstIsOverwriteContrecord = 0x0008
	xlpAllFlags                   = 0x000F
)

var le = binary.LittleEndian

// pageHeader holds the fields of XLogPageHeaderData walscan uses.
type pageHeader struct {
	magic, info uint16
	tli         uint32
	addr        uint64
	remLen      uint32
}

func parsePageHeader(p []byte) pageHeader {
	return pageHeader{
		magic: le.Uint16(p[0:]), info: le.Uint16(p[2:]), tli: le.Uint32(p[4:]),
		addr: le.Uint64(p[8:]), remLen: le.Uint32(p[16:]),
	}
}

func (h pageHeader) size() int {
	if h.info&xlpLongHeader != 0 {
		return longHeaderLen
	}
	return shortHeaderLen
}

// checkSegment checks that seg is the whole PostgreSQL 15 segment name says
// it is, and returns the parsed name and the LSN of its first byte.
func (s *Scanner) checkSegment(name string, seg []byte) (walname.Name, walname.LSN, error) {
	n, err := walname.Parse(name)
	if err != nil {
		return n, 0, fmt.Errorf("cannot scan for WAL records: %w", err)
	}
	if n.Kind != walname.Segment && n.Kind != walname.Partial {
		return n, 0, fmt.Errorf("cannot scan %q for WAL records: it is a %s file, not a WAL segment", name, n.Kind)
	}
	start, err := n.StartLSN(s.segSize)
	if err != nil {
		return n, 0, fmt.Errorf("cannot scan %q: %w", name, err)
	}
	if uint64(len(seg)) != s.segSize {
		return n, 0, fmt.Errorf("WAL segment %s has %d bytes, want %d: is it truncated, or is the segment size wrong?",
			name, len(seg), s.segSize)
	}
	h, _ := walfile.ParseHeader(seg) // cannot fail: seg is at least 1 MiB
	if err := s.checkLongHeader(h, n, start); err != nil {
		return n, 0, fmt.Errorf("WAL segment %s: %w", name, err)
	}
	if s.sysID == 0 {
		s.sysID = h.SystemID
	}
	return n, start, nil
}

// checkLongHeader checks the header of the first page of segment n.
func (s *Scanner) checkLongHeader(h walfile.Header, n walname.Name, start walname.LSN) error {
	switch {
	case h.Magic != pageMagic:
		return fmt.Errorf("WAL page magic %#04x is not PostgreSQL 15's %#04x: walscan reads PostgreSQL 15 WAL only", h.Magic, pageMagic)
	case h.Info&xlpLongHeader == 0 || h.Info&^xlpAllFlags != 0:
		return fmt.Errorf("first page has flags %#04x, not a segment's long header", h.Info)
	case h.PageAddr != uint64(start):
		return fmt.Errorf("first page has the address %s, not %s: the file is not the segment its name says", walname.LSN(h.PageAddr), start)
	case uint64(h.SegSize) != s.segSize:
		return fmt.Errorf("written with %d-byte segments, not %d: set the server's WAL segment size", h.SegSize, s.segSize)
	case h.BlockSize != blockSize:
		return fmt.Errorf("written with %d-byte WAL pages; walscan reads %d-byte pages only", h.BlockSize, blockSize)
	case h.Timeline == 0 || h.Timeline > n.Timeline:
		return fmt.Errorf("first page is on timeline %d, above the name's %d", h.Timeline, n.Timeline)
	case s.sysID != 0 && h.SystemID != s.sysID:
		return fmt.Errorf("belongs to database system %d, not %d like the segments before it", h.SystemID, s.sysID)
	}
	return nil
}

// walker walks the records of one segment.
type walker struct {
	s      *Scanner
	seg    []byte
	start  walname.LSN // LSN of seg[0]
	tli    uint32      // timeline of the segment's name
	events []Event
	done   bool // the rest of the segment is not read
}

func (w *walker) run() []Event {
	for page := 0; page < len(w.seg) && !w.done; page += blockSize {
		w.page(page)
	}
	return w.events
}

func (w *walker) lsn(off int) walname.LSN { return w.start + walname.LSN(off) }

// page reads the page at offset page: the end of a record in progress,
// then the records that start in it.
func (w *walker) page(page int) {
	h := parsePageHeader(w.seg[page:])
	if problem := w.checkPage(h, page); problem != "" {
		w.stopAt(w.pending(w.lsn(page)), problem)
		return
	}
	end := page + blockSize
	pos := w.continuation(h, page+h.size(), end)
	for !w.done && pos < end {
		pos = w.record(pos, end)
	}
}

// checkPage says what is wrong with the header of the page at page, as
// XLogReaderValidatePageHeader does, or "" if nothing is. The first page was
// checked by checkSegment.
func (w *walker) checkPage(h pageHeader, page int) string {
	long := h.info&xlpLongHeader != 0
	switch {
	case h.magic != pageMagic:
		return fmt.Sprintf("page at %s has magic %#04x: no WAL written there", w.lsn(page), h.magic)
	case h.info&^xlpAllFlags != 0 || long != (page == 0):
		return fmt.Sprintf("page at %s has invalid flags %#04x", w.lsn(page), h.info)
	case h.addr != uint64(w.lsn(page)):
		return fmt.Sprintf("page at %s has the address %s: a recycled segment's old WAL", w.lsn(page), walname.LSN(h.addr))
	case h.tli < w.s.pageTLI || h.tli > w.tli:
		return fmt.Sprintf("page at %s is on timeline %d, out of sequence", w.lsn(page), h.tli)
	}
	w.s.pageTLI = h.tli
	return ""
}

// pending returns the start of the record in progress, or at when there
// is none: where valid WAL ends if it ends now.
func (w *walker) pending(at walname.LSN) walname.LSN {
	if w.s.partLen != 0 {
		return w.s.partLSN
	}
	return at
}

// stopAt ends the scan of the segment at an end of valid WAL.
func (w *walker) stopAt(lsn walname.LSN, reason string) {
	w.s.end = &End{LSN: lsn, Reason: reason}
	w.s.reset()
	w.done = true
}

// continuation reads the part of a record that continues at pos, just after
// the header h of a page ending at end, and returns where the first record
// that starts in the page is.
func (w *walker) continuation(h pageHeader, pos, end int) int {
	s := w.s
	cont := h.info&xlpFirstIsContrecord != 0
	if s.partLen == 0 { // nothing in progress: skip the tail of a record not seen
		if !cont {
			return pos
		}
		return min(end, align8(pos+int(min(h.remLen, blockSize))))
	}
	if h.info&xlpFirstIsOverwriteContrecord != 0 {
		s.dropPartial() // the rest of that record was never written
		return pos
	}
	want := s.partLen - uint32(len(s.part))
	if !cont || h.remLen != want {
		w.stopAt(s.partLSN, fmt.Sprintf("record at %s has no continuation at %s", s.partLSN, w.lsn(pos)))
		return end
	}
	n := min(int(want), end-pos)
	s.part = append(s.part, w.seg[pos:pos+n]...)
	if n < int(want) {
		return end
	}
	w.complete(s.part, s.partLSN, pos+n)
	if s.partLen != 0 { // not already dropped by a stop
		s.dropPartial()
	}
	return align8(pos + n)
}

// record reads the record that starts at pos in a page ending at end and
// returns where the next one starts.
func (w *walker) record(pos, end int) int {
	lsn := w.lsn(pos)
	tot := le.Uint32(w.seg[pos:]) // 8 bytes at least are left: pos is aligned
	if problem := checkLength(tot); problem != "" {
		w.stopAt(lsn, problem)
		return end
	}
	if end-pos >= recordHeaderLen {
		if problem := w.s.checkHeader(w.seg[pos:pos+recordHeaderLen], lsn); problem != "" {
			w.stopAt(lsn, problem)
			return end
		}
	}
	if int(tot) <= end-pos {
		w.complete(w.seg[pos:pos+int(tot)], lsn, pos+int(tot))
		return align8(pos + int(tot))
	}
	s := w.s
	s.part = append(s.part[:0], w.seg[pos:end]...)
	s.partLen, s.partLSN = tot, lsn
	return end
}

// complete checks and reports a whole record rec that starts at lsn and
// whose last byte is just before offset after of the segment.
func (w *walker) complete(rec []byte, lsn walname.LSN, after int) {
	r, problem := w.s.decode(rec, lsn)
	if problem != "" {
		w.stopAt(lsn, problem)
		return
	}
	r.end = w.lsn(align8(after))
	if r.isSwitch() { // the rest of the segment is padding
		r.end = w.lsn(len(w.seg))
		w.done = true
	}
	ev, ok, problem := r.event()
	if problem != "" {
		w.stopAt(lsn, problem)
		return
	}
	w.s.accept(r)
	if ok {
		ev.LSN, ev.EndLSN = r.lsn, r.end
		w.events = append(w.events, ev)
	}
}

func align8(n int) int { return (n + 7) &^ 7 }
