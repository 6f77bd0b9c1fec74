package walscan

import "fmt"

// mainData walks the block headers of a record body (the record after its
// header) as DecodeXLogRecord does, checks that the lengths they give add
// up to the body, and returns the main data, which comes last.
func mainData(body []byte) ([]byte, string) {
	c := cursor{b: body}
	var dataLen, mainLen uint64
	maxBlock, haveRel := -1, false
loop:
	for !c.bad && uint64(c.left()) > dataLen {
		switch id := c.u8(); {
		case id == blockIDDataShort:
			mainLen = uint64(c.u8())
			break loop // the main data header is always the last
		case id == blockIDDataLong:
			mainLen = uint64(c.u32())
			break loop
		case id == blockIDOrigin:
			c.skip(2)
		case id == blockIDTopXID:
			c.skip(4)
		case id <= blockIDMax && int(id) > maxBlock:
			maxBlock = int(id)
			n, problem := c.block(&haveRel)
			if problem != "" {
				return nil, fmt.Sprintf("block %d: %s", id, problem)
			}
			dataLen += n
		default:
			return nil, fmt.Sprintf("invalid or out-of-order block id %d", id)
		}
	}
	if c.bad {
		return nil, "record ends inside its block headers"
	}
	if dataLen += mainLen; uint64(c.left()) != dataLen {
		return nil, fmt.Sprintf("record has %d bytes of data but its headers say %d", c.left(), dataLen)
	}
	return body[len(body)-int(mainLen):], ""
}

// block reads an XLogRecordBlockHeader after its id and returns how many
// bytes of image and data the block has after the headers.
func (c *cursor) block(haveRel *bool) (uint64, string) {
	flags, n := c.u8(), uint64(c.u16())
	if hasData := flags&bkpBlockHasData != 0; hasData != (n != 0) {
		return 0, fmt.Sprintf("data length %d does not agree with flags %#02x", n, flags)
	}
	if flags&bkpBlockHasImage != 0 {
		img, problem := c.image()
		if problem != "" {
			return 0, problem
		}
		n += img
	}
	if flags&bkpBlockSameRel == 0 {
		c.skip(relFileNodeLen)
		*haveRel = true
	} else if !*haveRel {
		return 0, "same relation as a previous block, but there is none"
	}
	c.skip(4) // BlockNumber
	return n, ""
}

// image reads an XLogRecordBlockImageHeader (and the compression header
// that follows it for a compressed image with a hole) and returns the
// length of the image.
func (c *cursor) image() (uint64, string) {
	length, holeOffset, info := int(c.u16()), c.u16(), c.u8()
	compressed, hasHole := info&bkpImageCompress != 0, info&bkpImageHasHole != 0
	holeLength := blockSize - length
	if compressed {
		holeLength = 0
		if hasHole {
			holeLength = int(c.u16())
		}
	}
	switch {
	case hasHole && (holeOffset == 0 || holeLength == 0 || length == blockSize),
		!hasHole && (holeOffset != 0 || holeLength != 0),
		compressed && length == blockSize:
		return 0, fmt.Sprintf("inconsistent page image: length %d, hole at %d of %d, info %#02x",
			length, holeOffset, holeLength, info)
	}
	return uint64(length), ""
}

// cursor reads little-endian fields; past the end it reads zeros and sets bad.
type cursor struct {
	b   []byte
	off int
	bad bool
}

func (c *cursor) left() int { return len(c.b) - c.off }

func (c *cursor) take(n int) []byte {
	if c.bad || c.left() < n {
		c.bad = true
		return make([]byte, n)
	}
	c.off += n
	return c.b[c.off-n : c.off]
}

func (c *cursor) skip(n int)  { c.take(n) }
func (c *cursor) u8() uint8   { return c.take(1)[0] }
func (c *cursor) u16() uint16 { return le.Uint16(c.take(2)) }
func (c *cursor) u32() uint32 { return le.Uint32(c.take(4)) }
