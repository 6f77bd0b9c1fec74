package walscan

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/walname"
)

// crafted is what a crafted test expects: the events of each segment fed
// and where valid WAL ends in the last one (zero: it does not).
type crafted struct {
	events [][]Event
	end    walname.LSN
	reason string
}

func xactEv(kind Kind, xid uint32, t time.Time, lsn, end walname.LSN) Event {
	return Event{Kind: kind, XID: xid, Time: t, LSN: lsn, EndLSN: end}
}

func commitAt(b *walBuilder, xid uint32, i int, extra ...byte) Event {
	lsn, end := b.add(xactRec(xactCommit, xid, at(i), extra...))
	return xactEv(Commit, xid, at(i), lsn, end)
}

// tail is where the next record would start: the end of valid WAL when
// nothing more is written.
func (b *walBuilder) tail() walname.LSN { return b.lsn(align8(b.pos)) }

var craftedTests = []struct {
	name  string
	segs  int
	build func(b *walBuilder) crafted
}{
	{"commit abort restore point then zeros", 1, func(b *walBuilder) crafted {
		c := commitAt(b, 10, 1)
		l, e := b.add(xactRec(xactAbort, 11, at(2)))
		a := xactEv(Abort, 11, at(2), l, e)
		l, e = b.add(restorePointRec("before_x", at(3)))
		rp := Event{Kind: RestorePoint, Name: "before_x", Time: at(3), LSN: l, EndLSN: e}
		return crafted{[][]Event{{c, a, rp}}, b.tail(), "record length 0"}
	}},
	{"record across a page boundary", 1, func(b *walBuilder) crafted {
		b.fillTo(blockSize - 64)
		c := commitAt(b, 10, 1, make([]byte, 200)...)
		return crafted{[][]Event{{c}}, b.tail(), "record length 0"}
	}},
	{"record across three pages", 1, func(b *walBuilder) crafted {
		b.fillTo(blockSize - 4000)
		c := commitAt(b, 10, 1, make([]byte, 2*blockSize)...)
		c2 := commitAt(b, 11, 2)
		return crafted{[][]Event{{c, c2}}, b.tail(), "record length 0"}
	}},
	{"record headers split across pages", 1, func(b *walBuilder) crafted {
		b.fillTo(blockSize - 8)
		c1 := commitAt(b, 10, 1)
		b.fillTo(3*blockSize - 16)
		c2 := commitAt(b, 11, 2)
		return crafted{[][]Event{{c1, c2}}, b.tail(), "record length 0"}
	}},
	{"record across the segment boundary", 2, func(b *walBuilder) crafted {
		b.fillTo(testSegSize - 48)
		c1 := commitAt(b, 10, 1, make([]byte, 100)...)
		c2 := commitAt(b, 11, 2)
		return crafted{[][]Event{nil, {c1, c2}}, b.tail(), "record length 0"}
	}},
	{"record ending at the segment end", 2, func(b *walBuilder) crafted {
		b.fillTo(testSegSize - 40)
		c1 := commitAt(b, 10, 1, make([]byte, 6)...) // 24 + 2 + 8 + 6 bytes
		c2 := commitAt(b, 11, 2)
		return crafted{[][]Event{{c1}, {c2}}, b.tail(), "record length 0"}
	}},
	{"bad CRC ends the WAL", 1, func(b *walBuilder) crafted {
		c1 := commitAt(b, 10, 1)
		r := xactRec(xactCommit, 11, at(2))
		b.seal(r)
		r[len(r)-1] ^= 1
		lsn, _ := b.put(r)
		commitAt(b, 12, 3)
		return crafted{[][]Event{{c1}}, lsn, "checksum"}
	}},
	{"stale record with another prev-link", 1, func(b *walBuilder) crafted {
		c1 := commitAt(b, 10, 1)
		b.prev = 0x12345678
		lsn, _ := b.add(xactRec(xactCommit, 11, at(2)))
		return crafted{[][]Event{{c1}}, lsn, "prev-link"}
	}},
	{"recycled page under a record", 1, func(b *walBuilder) crafted {
		c1 := commitAt(b, 10, 1)
		b.fillTo(blockSize - 64)
		lsn, _ := b.add(xactRec(xactCommit, 11, at(2), make([]byte, 200)...))
		le.PutUint64(b.buf[blockSize+8:], uint64(b.lsn(blockSize))-testSegSize)
		return crafted{[][]Event{{c1}}, lsn, "recycled"}
	}},
	{"zeroed page after a record", 1, func(b *walBuilder) crafted {
		b.fillTo(blockSize - 40)
		c1 := commitAt(b, 10, 1, make([]byte, 6)...)
		return crafted{[][]Event{{c1}}, b.lsn(blockSize), "magic"}
	}},
	{"continuation flag missing", 1, func(b *walBuilder) crafted {
		c1 := commitAt(b, 10, 1)
		b.fillTo(blockSize - 64)
		lsn, _ := b.add(xactRec(xactCommit, 11, at(2), make([]byte, 200)...))
		b.buf[blockSize+2] &^= xlpFirstIsContrecord
		return crafted{[][]Event{{c1}}, lsn, "no continuation"}
	}},
	{"overwritten continuation", 1, func(b *walBuilder) crafted {
		c1 := commitAt(b, 10, 1)
		b.fillTo(blockSize - 64)
		before := b.prev
		b.add(xactRec(xactCommit, 11, at(2), make([]byte, 200)...))
		clear(b.buf[blockSize : 2*blockSize])
		b.pageHeader(blockSize, xlpFirstIsOverwriteContrecord, 0)
		b.prev = before
		c3 := commitAt(b, 12, 3)
		return crafted{[][]Event{{c1, c3}}, b.tail(), "record length 0"}
	}},
	{"WAL switch skips the rest of the segment", 2, func(b *walBuilder) crafted {
		c1 := commitAt(b, 10, 1)
		b.add(rec(rmXLOG, xlogSwitch, 0, nil, nil, nil))
		switchLSN := b.prev
		b.put(xactRec(xactCommit, 11, at(2))) // not sealed: never read
		b.pos, b.prev = testSegSize, switchLSN
		c3 := commitAt(b, 12, 3)
		return crafted{[][]Event{{c1}, {c3}}, b.tail(), "record length 0"}
	}},
	{"prepared transactions", 1, func(b *walBuilder) crafted {
		info := uint8(xactCommitPrepared | xactHasInfo)
		l, e := b.add(xactRec(info, 0, at(1), preparedCommitData(777)...))
		cp := Event{Kind: Commit, Prepared: true, XID: 777, Time: at(1), LSN: l, EndLSN: e}
		info = xactAbortPrepared | xactHasInfo
		l, e = b.add(xactRec(info, 0, at(2), preparedAbortData(779)...))
		ap := Event{Kind: Abort, Prepared: true, XID: 779, Time: at(2), LSN: l, EndLSN: e}
		l, e = b.add(xactRec(xactCommitPrepared, 42, at(3))) // no xinfo: xl_xid
		cx := Event{Kind: Commit, Prepared: true, XID: 42, Time: at(3), LSN: l, EndLSN: e}
		bad := xinfo(xinfoHasSubxacts|xinfoHasTwoPhase, 1000, 1) // 1000 subxacts announced, none there
		l, e = b.add(xactRec(xactCommitPrepared|xactHasInfo, 43, at(4), bad...))
		cb := Event{Kind: Commit, Prepared: true, XID: 43, Time: at(4), LSN: l, EndLSN: e}
		return crafted{[][]Event{{cp, ap, cx, cb}}, b.tail(), "record length 0"}
	}},
	{"block references", 1, func(b *walBuilder) crafted {
		l, e := b.add(rec(rmXact, xactCommit, 50, blockHeaders(), make([]byte, 100+5+blockSize+7), pgTimestamp(at(1))))
		c := xactEv(Commit, 50, at(1), l, e)
		return crafted{[][]Event{{c}}, b.tail(), "record length 0"}
	}},
	{"block with data flag and no data", 1, func(b *walBuilder) crafted {
		blocks := []byte{0, bkpBlockHasData, 0, 0}
		blocks = append(append(blocks, make([]byte, relFileNodeLen)...), 0, 0, 0, 0)
		l, _ := b.add(rec(rmXact, xactCommit, 50, blocks, nil, pgTimestamp(at(1))))
		return crafted{[][]Event{nil}, l, "block 0"}
	}},
	{"block ids out of order", 1, func(b *walBuilder) crafted {
		blk := append(append([]byte{bkpBlockHasData, 1, 0}, make([]byte, relFileNodeLen)...), 0, 0, 0, 0)
		blocks := append(append([]byte{3}, blk...), append([]byte{2}, blk...)...)
		l, _ := b.add(rec(rmXact, xactCommit, 50, blocks, []byte{1, 2}, pgTimestamp(at(1))))
		return crafted{[][]Event{nil}, l, "out-of-order block id 2"}
	}},
	{"lengths that do not add up", 1, func(b *walBuilder) crafted {
		r := rec(rmXact, xactCommit, 50, nil, []byte{9}, pgTimestamp(at(1)))
		l, _ := b.add(r)
		return crafted{[][]Event{nil}, l, "headers say 8"}
	}},
	{"invalid resource manager", 1, func(b *walBuilder) crafted {
		l, _ := b.add(rec(60, 0, 1, nil, nil, []byte{1}))
		return crafted{[][]Event{nil}, l, "resource manager 60"}
	}},
	{"restore point too short", 1, func(b *walBuilder) crafted {
		l, _ := b.add(rec(rmXLOG, xlogRestorePoint, 0, nil, nil, make([]byte, 20)))
		return crafted{[][]Event{nil}, l, "want 72"}
	}},
	{"end of recovery", 1, func(b *walBuilder) crafted {
		main := le.AppendUint32(le.AppendUint32(pgTimestamp(at(1)), 2), 1)
		l, e := b.add(rec(rmXLOG, xlogEndOfRecovery, 0, nil, nil, main))
		ev := Event{Kind: EndOfRecovery, Time: at(1), Timeline: 2, PrevTimeline: 1, LSN: l, EndLSN: e}
		return crafted{[][]Event{{ev}}, b.tail(), "record length 0"}
	}},
}

func TestFeedCrafted(t *testing.T) {
	for _, tt := range craftedTests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder(t, tt.segs)
			want := tt.build(b)
			s, err := NewScanner(testSegSize)
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.segs {
				got, err := s.Feed(b.name(i), b.segment(i))
				if err != nil {
					t.Fatalf("Feed(%s): %v", b.name(i), err)
				}
				if len(got) != 0 || len(want.events[i]) != 0 {
					if !reflect.DeepEqual(got, want.events[i]) {
						t.Errorf("Feed(%s):\n got %+v\nwant %+v", b.name(i), got, want.events[i])
					}
				}
				if e := s.EndOfWAL(); i < tt.segs-1 && e != nil {
					t.Errorf("Feed(%s): unexpected %v", b.name(i), e)
				}
			}
			e := s.EndOfWAL()
			if e == nil || e.LSN != want.end || !strings.Contains(e.Reason, want.reason) {
				t.Errorf("EndOfWAL() = %v, want at %s: ...%s...", e, want.end, want.reason)
			}
		})
	}
}

// xinfo is xl_xact_xinfo then an int32 count and zeroed items for the
// subxacts of flags, then the two-phase xid (if flagged).
func xinfo(flags uint32, n int32, xid uint32) []byte {
	b := le.AppendUint32(nil, flags)
	if flags&xinfoHasSubxacts != 0 {
		b = le.AppendUint32(b, uint32(n))
	}
	return le.AppendUint32(b, xid)
}

// preparedCommitData is the main data of a COMMIT PREPARED after its time,
// with every sub-record PostgreSQL 15 may put before the two-phase xid.
func preparedCommitData(xid uint32) []byte {
	flags := uint32(xinfoHasDBInfo | xinfoHasSubxacts | xinfoHasRelFileNodes | xinfoHasDroppedStats |
		xinfoHasInvals | xinfoHasTwoPhase | 1<<7) // XACT_XINFO_HAS_GID
	b := le.AppendUint32(nil, flags)
	b = append(b, make([]byte, 8)...)                        // dbinfo
	b = append(le.AppendUint32(b, 2), make([]byte, 2*4)...)  // subxacts
	b = append(le.AppendUint32(b, 1), make([]byte, 12)...)   // relfilenodes
	b = append(le.AppendUint32(b, 1), make([]byte, 12)...)   // dropped stats
	b = append(le.AppendUint32(b, 2), make([]byte, 2*16)...) // invalidations
	return append(le.AppendUint32(b, xid), "p1\x00"...)
}

// preparedAbortData is the same for a ROLLBACK PREPARED, which has no
// invalidations.
func preparedAbortData(xid uint32) []byte {
	flags := uint32(xinfoHasSubxacts | xinfoHasRelFileNodes | xinfoHasDroppedStats | xinfoHasTwoPhase)
	b := le.AppendUint32(nil, flags)
	b = append(le.AppendUint32(b, 1), make([]byte, 4)...)  // subxacts
	b = le.AppendUint32(b, 0)                              // no relfilenodes
	b = append(le.AppendUint32(b, 1), make([]byte, 12)...) // dropped stats
	return le.AppendUint32(b, xid)
}

// blockHeaders are the headers of the block references of the "block
// references" test, followed by the origin and top-level xid headers:
// block 0 with a compressed image with a hole and 5 bytes of data, block 1
// on the same relation with a whole uncompressed image, block 3 with 7
// bytes of data.
func blockHeaders() []byte {
	rel, blkno := make([]byte, relFileNodeLen), []byte{1, 0, 0, 0}
	var b []byte
	b = append(b, 0, bkpBlockHasImage|bkpBlockHasData, 5, 0) // id, fork_flags, data_length
	b = le.AppendUint16(le.AppendUint16(b, 100), 40)         // bimg_len, hole_offset
	b = append(b, bkpImageHasHole|0x08)                      // BKPIMAGE_COMPRESS_LZ4
	b = le.AppendUint16(b, blockSize-100)                    // hole_length
	b = append(append(b, rel...), blkno...)
	b = append(b, 1, bkpBlockHasImage|bkpBlockSameRel, 0, 0)
	b = le.AppendUint16(le.AppendUint16(b, blockSize), 0)
	b = append(append(b, 0), blkno...)
	b = append(append(b, 3, bkpBlockHasData|bkpBlockSameRel, 7, 0), blkno...)
	b = append(b, blockIDOrigin, 1, 0)
	return le.AppendUint32(append(b, blockIDTopXID), 49)
}
