package walreceive

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gobarman/barman/pkg/walname"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// maxBatch bounds how many messages are written between two flushes.
const maxBatch = 256

// stream runs START_REPLICATION from pos on tli and writes what arrives
// until the stream ends (an *endOfTimeline error), fails, or ctx is done.
//
// One goroutine reads, writes and reports, as pg_receivewal does: it takes
// the messages already received (pgproto3's read buffer is not empty)
// as one batch, then, in synchronous mode, flushes once and reports. A
// burst of commits costs one fsync, and a lone commit no hand-off between
// goroutines. The status interval is a read deadline on the connection;
// ctx's end closes the connection (Once arranges it).
func (r *receiver) stream(ctx context.Context, pos walname.LSN, tli uint32) error {
	if err := startReplication(ctx, r.conn, r.opt.Slot, pos, tli); err != nil {
		return err
	}
	w := &writer{r: r, tli: tli, written: pos, flushed: pos}
	err := w.openNext()
	if err == nil {
		err = w.run(ctx)
	}
	r.conn.Conn().SetReadDeadline(time.Time{})
	if cerr := w.seg.close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// writer holds the state of one stream.
type writer struct {
	r          *receiver
	tli        uint32
	seg        *segmentFile
	written    walname.LSN // end of what was written
	flushed    walname.LSN // end of what is durable
	reported   walname.LSN // flush position last reported
	reply      bool        // the server asked for a reply
	nextStatus time.Time   // when a report is due even if nothing changed
}

func (w *writer) run(ctx context.Context) error {
	conn := w.r.conn
	if err := w.report(); err != nil { // the first report: what is already on disk
		return err
	}
	for n := 0; ; n++ {
		if n == 0 {
			conn.Conn().SetReadDeadline(w.nextStatus)
		}
		msg, err := conn.ReceiveMessage(context.Background())
		var netErr net.Error
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.As(err, &netErr) && netErr.Timeout():
			if err := w.report(); err != nil {
				return err
			}
			n = -1
			continue
		case err != nil:
			return fmt.Errorf("receive WAL: %w", err)
		}
		if err := w.handle(ctx, msg); err != nil {
			return err
		}
		if conn.Frontend().ReadBufferLen() > 0 && n < maxBatch {
			continue // more already received: the same batch
		}
		n = -1
		if w.r.sync && w.seg != nil {
			if err := w.seg.sync(); err != nil {
				return err
			}
			w.flushed = w.written
		}
		if w.flushed > w.reported || w.reply || !time.Now().Before(w.nextStatus) {
			if err := w.report(); err != nil {
				return err
			}
		}
	}
}

// handle processes one message of the copy.
func (w *writer) handle(ctx context.Context, msg pgproto3.BackendMessage) error {
	switch m := msg.(type) {
	case *pgproto3.CopyData:
		return w.copyData(m.Data)
	case *pgproto3.CopyDone:
		return w.finishCopy(ctx)
	case *pgproto3.ErrorResponse:
		return pgconn.ErrorResponseToPgError(m)
	}
	return nil
}

// copyData handles XLogData ('w') and keepalive ('k') messages.
func (w *writer) copyData(d []byte) error {
	if len(d) == 0 {
		return nil
	}
	switch d[0] {
	case 'w':
		if len(d) < 25 {
			return fmt.Errorf("XLogData message of %d bytes", len(d))
		}
		return w.store(walname.LSN(binary.BigEndian.Uint64(d[1:])), d[25:])
	case 'k':
		if len(d) < 18 {
			return fmt.Errorf("keepalive message of %d bytes", len(d))
		}
		if d[17] != 0 {
			w.reply = true
		}
	}
	return nil
}

// finishCopy answers the server's CopyDone (the end of a timeline) and
// returns the next timeline it names, as an *endOfTimeline error.
func (w *writer) finishCopy(ctx context.Context) error {
	conn := w.r.conn
	conn.Conn().SetReadDeadline(time.Time{})
	conn.Frontend().Send(&pgproto3.CopyDone{})
	if err := conn.Frontend().Flush(); err != nil {
		return fmt.Errorf("end of timeline %d: %w", w.tli, err)
	}
	end := &endOfTimeline{}
	for {
		msg, err := conn.ReceiveMessage(ctx)
		if err != nil {
			return fmt.Errorf("end of timeline %d: %w", w.tli, err)
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			if err := end.parse(m); err != nil {
				return err
			}
		case *pgproto3.ErrorResponse:
			return pgconn.ErrorResponseToPgError(m)
		case *pgproto3.ReadyForQuery:
			if end.Timeline == 0 {
				return fmt.Errorf("the server ended timeline %d without naming the next one", w.tli)
			}
			return end
		}
	}
}

// store writes WAL at its position, across segment ends.
func (w *writer) store(start walname.LSN, data []byte) error {
	if start != w.written {
		return fmt.Errorf("the server sent WAL at %s, expected %s", start, w.written)
	}
	size := w.r.segSize
	for len(data) > 0 {
		name, off, err := walname.SegmentOf(w.tli, w.written, size)
		if err != nil {
			return err
		}
		if w.seg == nil || w.seg.name != name {
			if err := w.seg.close(); err != nil {
				return err
			}
			if w.seg, err = openSegment(w.r.opt.Dir, name, size); err != nil {
				return err
			}
		}
		n := min(uint64(len(data)), size-off)
		if err := w.seg.writeAt(data[:n], off); err != nil {
			return err
		}
		data = data[n:]
		w.written += walname.LSN(n)
		if off+n == size {
			if err := w.seg.complete(); err != nil {
				return err
			}
			w.seg = nil
			w.flushed = w.written
			if err := w.openNext(); err != nil {
				return err
			}
		}
	}
	return nil
}

// openNext opens the segment at the written position before its WAL
// arrives: the complete segment before it is then never the newest file
// of the directory, which archive-wal keeps for a restart, and a full
// disk shows before the server has sent anything more.
func (w *writer) openNext() error {
	name, _, err := walname.SegmentOf(w.tli, w.written, w.r.segSize)
	if err != nil {
		return err
	}
	w.seg, err = openSegment(w.r.opt.Dir, name, w.r.segSize)
	return err
}

// report sends a standby status update with the positions written and
// flushed.
func (w *writer) report() error {
	msg := statusUpdate(w.written, w.flushed, time.Now(), false)
	if err := w.r.conn.Frontend().SendUnbufferedEncodedCopyData(msg); err != nil {
		return fmt.Errorf("send status update: %w", err)
	}
	w.reported, w.reply = w.flushed, false
	w.nextStatus = time.Now().Add(w.r.opt.StatusInterval)
	return nil
}
