package walscan

import (
	"hash/crc32"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/walname"
)

// testSegSize is the segment size of crafted WAL: the smallest PostgreSQL
// allows, so that tests cross segment boundaries cheaply.
const testSegSize = walname.MinSegmentSize

// walBuilder writes crafted WAL as PostgreSQL lays it out: records
// MAXALIGNed, split across pages and segments behind page headers that
// carry the continuation flag and length.
type walBuilder struct {
	t     testing.TB
	buf   []byte      // the segments, one after the other
	start walname.LSN // LSN of buf[0]
	pos   int         // where the next byte goes
	prev  walname.LSN // start of the last record added
	crc   *crc32.Table
}

// newBuilder returns a builder of segs segments of timeline 1, from
// segment 000000010000000000000001.
func newBuilder(t testing.TB, segs int) *walBuilder {
	return &walBuilder{t: t, buf: make([]byte, segs*testSegSize), start: testSegSize,
		crc: crc32.MakeTable(crc32.Castagnoli)}
}

func (b *walBuilder) lsn(off int) walname.LSN { return b.start + walname.LSN(off) }

func (b *walBuilder) name(i int) string { return walname.SegmentName(1, 0, uint32(1+i)) }

func (b *walBuilder) segment(i int) []byte { return b.buf[i*testSegSize : (i+1)*testSegSize] }

// pageHeader writes the header of the page at off and moves past it.
func (b *walBuilder) pageHeader(off int, info uint16, remLen int) {
	p := b.buf[off:]
	size := shortHeaderLen
	if off%testSegSize == 0 {
		info |= xlpLongHeader
		size = longHeaderLen
		le.PutUint64(p[24:], 7) // system identifier
		le.PutUint32(p[32:], testSegSize)
		le.PutUint32(p[36:], blockSize)
	}
	le.PutUint16(p, pageMagic)
	le.PutUint16(p[2:], info)
	le.PutUint32(p[4:], 1)
	le.PutUint64(p[8:], uint64(b.lsn(off)))
	le.PutUint32(p[16:], uint32(remLen))
	b.pos = off + size
}

// headerAt returns where the page header at pos ends if pos starts a page.
func headerAt(pos int) int {
	switch {
	case pos%testSegSize == 0:
		return pos + longHeaderLen
	case pos%blockSize == 0:
		return pos + shortHeaderLen
	}
	return pos
}

// add seals rec (xl_prev, CRC) and writes it; it returns where it starts
// and ends.
func (b *walBuilder) add(rec []byte) (lsn, end walname.LSN) {
	b.seal(rec)
	return b.put(rec)
}

// seal sets rec's xl_prev to the last record added and computes its CRC.
func (b *walBuilder) seal(rec []byte) {
	le.PutUint64(rec[8:], uint64(b.prev))
	crc := crc32.Update(0, b.crc, rec[recordHeaderLen:])
	le.PutUint32(rec[crcOffset:], crc32.Update(crc, b.crc, rec[:crcOffset]))
}

// put writes rec as it is.
func (b *walBuilder) put(rec []byte) (lsn, end walname.LSN) {
	b.pos = align8(b.pos)
	if b.pos%blockSize == 0 {
		b.pageHeader(b.pos, 0, 0)
	}
	lsn = b.lsn(b.pos)
	for rest := rec; len(rest) > 0; {
		if b.pos%blockSize == 0 {
			b.pageHeader(b.pos, xlpFirstIsContrecord, len(rest))
		}
		n := copy(b.buf[b.pos:b.pos+blockSize-b.pos%blockSize], rest)
		b.pos, rest = b.pos+n, rest[n:]
	}
	b.prev = lsn
	return lsn, b.lsn(align8(b.pos))
}

// fillTo adds filler records until the next record would start at off.
func (b *walBuilder) fillTo(off int) {
	for {
		pos := headerAt(align8(b.pos))
		gap, room := off-pos, blockSize-pos%blockSize
		switch {
		case gap == 0:
			return
		case gap >= 32 && gap <= room:
			b.add(filler(gap))
		case gap > room && room >= 32:
			b.add(filler(room))
		case gap > room:
			b.add(filler(room + 64))
		default:
			b.t.Fatalf("cannot fill from %d to %d", pos, off)
		}
	}
}

// rec builds a record: header, block headers, main data header, block
// data, main data. xl_prev and xl_crc are left to seal.
func rec(rmid, info uint8, xid uint32, blocks, data, main []byte) []byte {
	body := append([]byte(nil), blocks...)
	switch {
	case len(main) > 255:
		body = le.AppendUint32(append(body, blockIDDataLong), uint32(len(main)))
	case len(main) > 0:
		body = append(body, blockIDDataShort, byte(len(main)))
	}
	body = append(append(body, data...), main...)
	r := make([]byte, recordHeaderLen, recordHeaderLen+len(body))
	le.PutUint32(r, uint32(recordHeaderLen+len(body)))
	le.PutUint32(r[4:], xid)
	r[16], r[17] = info, rmid
	return append(r, body...)
}

// filler is a heap record of tot bytes.
func filler(tot int) []byte {
	n := tot - recordHeaderLen - 2
	if n > 255 {
		n = tot - recordHeaderLen - 5
	}
	return rec(10, 0, 0, nil, nil, make([]byte, n))
}

func pgTimestamp(t time.Time) []byte {
	return le.AppendUint64(nil, uint64(t.UnixMicro()-pgEpoch))
}

// xactRec is a commit or abort record (op: xactCommit...) whose main data
// is the time then extra.
func xactRec(op uint8, xid uint32, t time.Time, extra ...byte) []byte {
	return rec(rmXact, op, xid, nil, nil, append(pgTimestamp(t), extra...))
}

func restorePointRec(name string, t time.Time) []byte {
	main := make([]byte, restorePointLen)
	copy(main, pgTimestamp(t))
	copy(main[8:], name)
	return rec(rmXLOG, xlogRestorePoint, 0, nil, nil, main)
}

// at is a fixed time for crafted records, plus i microseconds.
func at(i int) time.Time {
	return time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Microsecond)
}
