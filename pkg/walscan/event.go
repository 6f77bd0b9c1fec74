package walscan

import (
	"bytes"
	"fmt"
	"strconv"
	"time"

	"github.com/gobarman/barman/pkg/walname"
)

// Kind is what an Event records.
type Kind uint8

// The kinds of events.
const (
	Commit        Kind = iota + 1 // a transaction committed
	Abort                         // a transaction rolled back
	RestorePoint                  // pg_create_restore_point
	EndOfRecovery                 // a promoted server started a new timeline
)

func (k Kind) String() string {
	switch k {
	case Commit:
		return "commit"
	case Abort:
		return "abort"
	case RestorePoint:
		return "restore point"
	case EndOfRecovery:
		return "end of recovery"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Event is a record recovery targets care about.
type Event struct {
	Kind Kind
	// XID is the transaction of a Commit or Abort: the one a
	// recovery_target_xid matches, which for a prepared transaction is the
	// xid it had when it was prepared.
	XID uint32
	// Prepared is set for COMMIT PREPARED and ROLLBACK PREPARED.
	Prepared bool
	// Time is the commit or abort time (what recovery_target_time compares),
	// the time of a restore point, or of the end of recovery; in UTC.
	Time time.Time
	// Name is a restore point's name.
	Name string
	// Timeline and PrevTimeline are the new and the old timeline of an
	// EndOfRecovery.
	Timeline, PrevTimeline uint32
	// LSN is where the record starts, EndLSN where it ends (rounded up to 8
	// bytes, as PostgreSQL's EndRecPtr): recovery needs the WAL up to the
	// byte before EndLSN to replay it.
	LSN, EndLSN walname.LSN
}

// Resource managers and record kinds (access/rmgrlist.h, catalog/pg_control.h,
// access/xact.h).
const (
	rmXLOG = 0
	rmXact = 1

	xlogSwitch        = 0x40
	xlogRestorePoint  = 0x70
	xlogEndOfRecovery = 0x90

	xactOpMask         = 0x70
	xactHasInfo        = 0x80
	xactCommit         = 0x00
	xactAbort          = 0x20
	xactCommitPrepared = 0x30
	xactAbortPrepared  = 0x40

	xinfoHasDBInfo       = 1 << 0
	xinfoHasSubxacts     = 1 << 1
	xinfoHasRelFileNodes = 1 << 2
	xinfoHasInvals       = 1 << 3
	xinfoHasTwoPhase     = 1 << 4
	xinfoHasDroppedStats = 1 << 8

	restorePointLen  = 8 + 64 // xl_restore_point: rp_time, rp_name[MAXFNAMELEN]
	endOfRecoveryLen = 16     // xl_end_of_recovery
)

func (r record) isSwitch() bool {
	return r.rmid == rmXLOG && r.info&0xF0 == xlogSwitch
}

// event returns the event r records, if any, or says why r's main data
// cannot be what its header says.
func (r record) event() (Event, bool, string) {
	switch {
	case r.rmid == rmXact:
		return r.xactEvent()
	case r.rmid == rmXLOG && r.info&0xF0 == xlogRestorePoint:
		if len(r.main) < restorePointLen {
			return Event{}, false, r.short("restore point", restorePointLen)
		}
		name, _, _ := bytes.Cut(r.main[8:restorePointLen], []byte{0})
		return Event{Kind: RestorePoint, Time: pgTime(r.main), Name: string(name)}, true, ""
	case r.rmid == rmXLOG && r.info&0xF0 == xlogEndOfRecovery:
		if len(r.main) < endOfRecoveryLen {
			return Event{}, false, r.short("end-of-recovery", endOfRecoveryLen)
		}
		return Event{Kind: EndOfRecovery, Time: pgTime(r.main),
			Timeline: le.Uint32(r.main[8:]), PrevTimeline: le.Uint32(r.main[12:])}, true, ""
	}
	return Event{}, false, ""
}

func (r record) xactEvent() (Event, bool, string) {
	var ev Event
	switch op := r.info & xactOpMask; op {
	case xactCommit, xactCommitPrepared:
		ev.Kind, ev.Prepared = Commit, op == xactCommitPrepared
	case xactAbort, xactAbortPrepared:
		ev.Kind, ev.Prepared = Abort, op == xactAbortPrepared
	default:
		return ev, false, ""
	}
	if len(r.main) < 8 {
		return ev, false, r.short(ev.Kind.String(), 8)
	}
	ev.Time, ev.XID = pgTime(r.main), r.xid
	if ev.Prepared {
		if xid, ok := twoPhaseXID(r.info, r.main, ev.Kind == Commit); ok {
			ev.XID = xid
		}
	}
	return ev, true, ""
}

func (r record) short(what string, want int) string {
	return fmt.Sprintf("%s record has %d bytes of data, want %d", what, len(r.main), want)
}

// twoPhaseXID finds the xid of the prepared transaction in the main data of
// a commit or abort record, walking the sub-records that come before it as
// ParseCommitRecord and ParseAbortRecord do. ok is false if there is none.
func twoPhaseXID(info uint8, main []byte, commit bool) (xid uint32, ok bool) {
	c := cursor{b: main}
	c.skip(8) // xact_time
	var xinfo uint32
	if info&xactHasInfo != 0 {
		xinfo = c.u32()
	}
	arrays := []struct {
		flag uint32
		size int
	}{
		{xinfoHasSubxacts, 4},      // TransactionId
		{xinfoHasRelFileNodes, 12}, // RelFileNode
		{xinfoHasDroppedStats, 12}, // xl_xact_stats_item
		{xinfoHasInvals, 16},       // SharedInvalidationMessage, commit only
	}
	if xinfo&xinfoHasDBInfo != 0 {
		c.skip(8)
	}
	for _, a := range arrays {
		if xinfo&a.flag != 0 && (commit || a.flag != xinfoHasInvals) {
			c.skipArray(a.size)
		}
	}
	if xinfo&xinfoHasTwoPhase == 0 {
		return 0, false
	}
	xid = c.u32()
	return xid, !c.bad
}

// skipArray skips an int32 count and that many items of size bytes.
func (c *cursor) skipArray(size int) {
	n := int32(c.u32())
	if n < 0 || int64(n)*int64(size) > int64(c.left()) {
		c.bad = true
		return
	}
	c.skip(int(n) * size)
}

// pgEpoch is 2000-01-01 00:00:00 UTC in microseconds since the Unix epoch.
const pgEpoch = 946684800 * 1000000

// pgTime decodes the TimestampTz at the start of b: microseconds since
// 2000-01-01 00:00:00 UTC.
func pgTime(b []byte) time.Time {
	return time.UnixMicro(int64(le.Uint64(b)) + pgEpoch).UTC()
}
