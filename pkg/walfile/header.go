package walfile

import (
	"encoding/binary"
	"fmt"
)

// HeaderSize is the size of a long WAL page header.
const HeaderSize = 40

// xlpLongHeader is the xlp_info flag of the first page of a segment.
const xlpLongHeader = 0x0002

// Header is a segment's long page header (XLogLongPageHeaderData).
type Header struct {
	Magic     uint16
	Info      uint16
	Timeline  uint32
	PageAddr  uint64
	RemLen    uint32
	SystemID  uint64
	SegSize   uint32
	BlockSize uint32
}

// ParseHeader decodes the first HeaderSize bytes of a segment (little
// endian, as written by PostgreSQL on the platforms barman supports).
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderSize {
		return Header{}, fmt.Errorf("%d bytes are too short for a WAL page header", len(b))
	}
	le := binary.LittleEndian
	return Header{
		Magic: le.Uint16(b[0:]), Info: le.Uint16(b[2:]), Timeline: le.Uint32(b[4:]),
		PageAddr: le.Uint64(b[8:]), RemLen: le.Uint32(b[16:]), SystemID: le.Uint64(b[24:]),
		SegSize: le.Uint32(b[32:]), BlockSize: le.Uint32(b[36:]),
	}, nil
}

// magics maps XLOG_PAGE_MAGIC to the PostgreSQL major version.
var magics = map[uint16]int{
	0xD075: 93, 0xD07E: 94, 0xD087: 95, 0xD093: 96, 0xD097: 10, 0xD098: 11,
	0xD101: 12, 0xD106: 13, 0xD10D: 14, 0xD110: 15, 0xD113: 16, 0xD116: 17,
}

// VersionOfMagic returns the PostgreSQL major version (93 for 9.3) that
// writes a WAL page magic. ok is false for a magic barman does not know;
// magics 0xD000-0xD1FF newer than the table are accepted as version 0.
func VersionOfMagic(m uint16) (version int, ok bool) {
	if v, known := magics[m]; known {
		return v, true
	}
	return 0, m > 0xD116 && m <= 0xD1FF
}
