package walscan

import (
	"fmt"
	"hash/crc32"

	"github.com/gobarman/barman/pkg/walname"
)

// Record layout (access/xlogrecord.h, PostgreSQL 15).
const (
	recordHeaderLen = 24        // SizeOfXLogRecord
	crcOffset       = 20        // offsetof(XLogRecord, xl_crc)
	maxRecordLen    = 1<<30 - 1 // PostgreSQL cannot allocate more for a record

	rmMaxBuiltin = 21  // RM_LOGICALMSG_ID, the last built-in resource manager
	rmMinCustom  = 128 // RM_MIN_CUSTOM_ID

	blockIDMax       = 32  // XLR_MAX_BLOCK_ID
	blockIDDataShort = 255 // XLR_BLOCK_ID_DATA_SHORT
	blockIDDataLong  = 254 // XLR_BLOCK_ID_DATA_LONG
	blockIDOrigin    = 253 // XLR_BLOCK_ID_ORIGIN
	blockIDTopXID    = 252 // XLR_BLOCK_ID_TOPLEVEL_XID

	bkpBlockHasImage = 0x10
	bkpBlockHasData  = 0x20
	bkpBlockSameRel  = 0x80
	bkpImageHasHole  = 0x01
	bkpImageCompress = 0x04 | 0x08 | 0x10 // BKPIMAGE_COMPRESS_PGLZ, _LZ4, _ZSTD

	relFileNodeLen = 12

	firstNormalXID = 3 // FirstNormalTransactionId
)

// record is a valid record: its header fields and main data.
type record struct {
	lsn, end walname.LSN
	totLen   uint32
	xid      uint32
	info     uint8
	rmid     uint8
	main     []byte // points into the segment or the scanner's buffer
}

// checkLength says what is wrong with a record's xl_tot_len, or "".
func checkLength(tot uint32) string {
	switch {
	case tot == 0:
		return "record length 0: no record written there"
	case tot < recordHeaderLen:
		return fmt.Sprintf("record length %d is shorter than a record header", tot)
	case tot > maxRecordLen:
		return fmt.Sprintf("record length %d is too large", tot)
	}
	return ""
}

// checkHeader checks a record header h at lsn as ValidXLogRecordHeader does.
func (s *Scanner) checkHeader(h []byte, lsn walname.LSN) string {
	prev := walname.LSN(le.Uint64(h[8:]))
	rmid := h[17]
	switch {
	case rmid > rmMaxBuiltin && rmid < rmMinCustom:
		return fmt.Sprintf("invalid resource manager %d", rmid)
	case s.prev != 0 && prev != s.prev:
		return fmt.Sprintf("prev-link %s does not point to the previous record %s", prev, s.prev)
	case s.prev == 0 && prev >= lsn:
		return fmt.Sprintf("prev-link %s does not point back", prev)
	}
	return ""
}

// decode checks the whole record rec read at lsn (header, CRC, block
// headers) and returns its fields, or says what is wrong.
func (s *Scanner) decode(rec []byte, lsn walname.LSN) (record, string) {
	if problem := checkLength(le.Uint32(rec)); problem != "" {
		return record{}, problem
	}
	if problem := s.checkHeader(rec[:recordHeaderLen], lsn); problem != "" {
		return record{}, problem
	}
	crc := crc32.Update(0, s.crc, rec[recordHeaderLen:])
	crc = crc32.Update(crc, s.crc, rec[:crcOffset])
	if want := le.Uint32(rec[crcOffset:]); crc != want {
		return record{}, fmt.Sprintf("incorrect record checksum %08x, computed %08x", want, crc)
	}
	main, problem := mainData(rec[recordHeaderLen:])
	if problem != "" {
		return record{}, problem
	}
	return record{
		lsn: lsn, totLen: uint32(len(rec)), xid: le.Uint32(rec[4:]),
		info: rec[16], rmid: rec[17], main: main,
	}, ""
}
