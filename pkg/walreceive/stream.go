package walreceive

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gobarman/barman/pkg/walname"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// event is what the reading goroutine hands to the writing one.
type event struct {
	start walname.LSN // XLogData: position of data
	data  *[]byte     // XLogData payload (from bufPool); nil for others
	reply bool        // keepalive asking for a reply
	end   *endOfTimeline
	err   error
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 128<<10); return &b }}

// stream runs START_REPLICATION from pos on tli and writes what arrives
// until the stream ends (an *endOfTimeline error), fails, or ctx is done.
//
// One goroutine reads messages, the other writes them and reports
// positions. In synchronous mode the writer drains every message already
// received, flushes once, then reports: a burst of commits costs one
// fsync.
func (r *receiver) stream(ctx context.Context, pos walname.LSN, tli uint32) error {
	if err := startReplication(ctx, r.conn, r.opt.Slot, pos, tli); err != nil {
		return err
	}
	w := &writer{r: r, tli: tli, written: pos, flushed: pos, reported: 0}
	if err := w.openNext(); err != nil {
		return err
	}
	events := make(chan event, 64)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.read(rctx, events)
	}()
	err := w.write(ctx, events)
	cancel()
	if err != nil {
		var end *endOfTimeline
		if !errors.As(err, &end) {
			r.conn.Conn().Close() // unblocks the reader
		}
	}
	<-done
	for {
		select {
		case ev := <-events:
			if ev.data != nil {
				bufPool.Put(ev.data)
			}
			continue
		default:
		}
		break
	}
	if cerr := w.seg.close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// writer holds the state of one stream.
type writer struct {
	r        *receiver
	tli      uint32
	seg      *segmentFile
	written  walname.LSN // end of what was written
	flushed  walname.LSN // end of what is durable
	reported walname.LSN // flush position last reported
	reply    bool        // the server asked for a reply

	sendMu   sync.Mutex
	copyDone bool // the copy is over: no more status updates
}

// read receives messages until the copy ends or fails.
func (w *writer) read(ctx context.Context, events chan<- event) {
	conn := w.r.conn
	send := func(ev event) bool {
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			if ev.data != nil {
				bufPool.Put(ev.data)
			}
			return false
		}
	}
	for {
		msg, err := conn.ReceiveMessage(ctx)
		if err != nil {
			send(event{err: fmt.Errorf("receive WAL: %w", err)})
			return
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			ev, err := parseCopyData(m.Data)
			if err != nil {
				send(event{err: err})
				return
			}
			if ev != nil && !send(*ev) {
				return
			}
		case *pgproto3.CopyDone:
			send(w.finishCopy(ctx))
			return
		case *pgproto3.ErrorResponse:
			send(event{err: pgconn.ErrorResponseToPgError(m)})
			return
		}
	}
}

// parseCopyData decodes XLogData ('w') and keepalive ('k') messages.
func parseCopyData(d []byte) (*event, error) {
	if len(d) == 0 {
		return nil, nil
	}
	switch d[0] {
	case 'w':
		if len(d) < 25 {
			return nil, fmt.Errorf("XLogData message of %d bytes", len(d))
		}
		buf := bufPool.Get().(*[]byte)
		*buf = append((*buf)[:0], d[25:]...)
		return &event{start: walname.LSN(binary.BigEndian.Uint64(d[1:])), data: buf}, nil
	case 'k':
		if len(d) < 18 {
			return nil, fmt.Errorf("keepalive message of %d bytes", len(d))
		}
		return &event{reply: d[17] != 0}, nil
	}
	return nil, nil
}

// finishCopy answers the server's CopyDone (the end of a timeline) and
// reads the next timeline it names.
func (w *writer) finishCopy(ctx context.Context) event {
	w.sendMu.Lock()
	w.copyDone = true
	w.r.conn.Frontend().Send(&pgproto3.CopyDone{})
	err := w.r.conn.Frontend().Flush()
	w.sendMu.Unlock()
	if err != nil {
		return event{err: fmt.Errorf("end of timeline %d: %w", w.tli, err)}
	}
	end := &endOfTimeline{}
	for {
		msg, err := w.r.conn.ReceiveMessage(ctx)
		if err != nil {
			return event{err: fmt.Errorf("end of timeline %d: %w", w.tli, err)}
		}
		switch m := msg.(type) {
		case *pgproto3.DataRow:
			if err := end.parse(m); err != nil {
				return event{err: err}
			}
		case *pgproto3.ErrorResponse:
			return event{err: pgconn.ErrorResponseToPgError(m)}
		case *pgproto3.ReadyForQuery:
			if end.Timeline == 0 {
				return event{err: fmt.Errorf("the server ended timeline %d without naming the next one", w.tli)}
			}
			return event{end: end}
		}
	}
}

// write handles events until the stream ends.
func (w *writer) write(ctx context.Context, events <-chan event) error {
	tick := time.NewTicker(w.r.opt.StatusInterval)
	defer tick.Stop()
	if err := w.report(false); err != nil { // the first report: what is already on disk
		return err
	}
	for {
		var ev event
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			if err := w.report(false); err != nil {
				return err
			}
			continue
		case ev = <-events:
		}
		for n := 0; ; n++ {
			if err := w.handle(ev); err != nil {
				return err
			}
			if n == 255 {
				break
			}
			more := false
			select {
			case ev = <-events:
				more = true
			default:
			}
			if !more {
				break
			}
		}
		if w.r.sync && w.seg != nil {
			if err := w.seg.sync(); err != nil {
				return err
			}
			w.flushed = w.written
		}
		if w.flushed > w.reported || w.reply {
			if err := w.report(w.reply); err != nil {
				return err
			}
		}
	}
}

func (w *writer) handle(ev event) error {
	switch {
	case ev.err != nil:
		return ev.err
	case ev.end != nil:
		return ev.end
	case ev.data != nil:
		err := w.store(ev.start, *ev.data)
		bufPool.Put(ev.data)
		return err
	case ev.reply:
		w.reply = true
	}
	return nil
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

// report sends a standby status update.
func (w *writer) report(reply bool) error {
	w.sendMu.Lock()
	defer w.sendMu.Unlock()
	if w.copyDone {
		return nil
	}
	msg := statusUpdate(w.written, w.flushed, time.Now(), false)
	if err := w.r.conn.Frontend().SendUnbufferedEncodedCopyData(msg); err != nil {
		return fmt.Errorf("send status update: %w", err)
	}
	w.reported = w.flushed
	if reply {
		w.reply = false
	}
	return nil
}
