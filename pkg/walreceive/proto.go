package walreceive

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/walname"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
)

// The replication commands and messages used here are those of
// PostgreSQL's streaming replication protocol ("Streaming Replication
// Protocol" in its documentation). They are few and small, so they are
// written here on pgconn/pgproto3 rather than taken from pglogrepl, whose
// physical side lacks RESERVE_WAL and READ_REPLICATION_SLOT.

// system is the answer to IDENTIFY_SYSTEM.
type system struct {
	ID       uint64
	Timeline uint32
	XLogPos  walname.LSN
}

// slot is the answer to READ_REPLICATION_SLOT (PostgreSQL 15 and later).
type slot struct {
	Exists     bool
	Physical   bool
	RestartLSN walname.LSN // 0: none reserved yet
	RestartTLI uint32
}

// query runs a replication command that returns at most one row.
func query(ctx context.Context, conn *pgconn.PgConn, cmd string) ([][]byte, error) {
	results, err := conn.Exec(ctx, cmd).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Fields(cmd)[0], err)
	}
	for _, r := range results {
		if len(r.Rows) > 0 {
			return r.Rows[0], nil
		}
	}
	return nil, nil
}

func identifySystem(ctx context.Context, conn *pgconn.PgConn) (system, error) {
	id, err := postgres.IdentifySystem(ctx, conn)
	if err != nil {
		return system{}, err
	}
	s := system{Timeline: uint32(id.Timeline)}
	var e1, e2 error
	s.ID, e1 = strconv.ParseUint(id.SystemID, 10, 64)
	s.XLogPos, e2 = walname.ParseLSN(id.XLogPos)
	if err := errors.Join(e1, e2); err != nil {
		return system{}, fmt.Errorf("IDENTIFY_SYSTEM: %w", err)
	}
	return s, nil
}

// show reads a setting through the replication connection.
func show(ctx context.Context, conn *pgconn.PgConn, name string) (string, error) {
	row, err := query(ctx, conn, "SHOW "+name)
	if err != nil {
		return "", err
	}
	if len(row) == 0 {
		return "", fmt.Errorf("SHOW %s: no value", name)
	}
	return string(row[0]), nil
}

// segmentSize reads wal_segment_size ("16MB").
func segmentSize(ctx context.Context, conn *pgconn.PgConn) (uint64, error) {
	v, err := show(ctx, conn, "wal_segment_size")
	if err != nil {
		return 0, err
	}
	size, err := parseSize(v)
	if err == nil {
		err = walname.CheckSegmentSize(size)
	}
	if err != nil {
		return 0, fmt.Errorf("wal_segment_size %q: %w", v, err)
	}
	return size, nil
}

// parseSize parses a PostgreSQL memory setting shown with its unit.
func parseSize(v string) (uint64, error) {
	i := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(v)
	}
	n, err := strconv.ParseUint(v[:i], 10, 64)
	if err != nil {
		return 0, err
	}
	mult := map[string]uint64{"": 1, "B": 1, "kB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}[strings.TrimSpace(v[i:])]
	if mult == 0 {
		return 0, fmt.Errorf("unknown unit in %q", v)
	}
	return n * mult, nil
}

// timelineHistory fetches the history file of tli: its name and content.
func timelineHistory(ctx context.Context, conn *pgconn.PgConn, tli uint32) (string, []byte, error) {
	row, err := query(ctx, conn, fmt.Sprintf("TIMELINE_HISTORY %d", tli))
	if err != nil {
		return "", nil, err
	}
	if len(row) != 2 {
		return "", nil, fmt.Errorf("TIMELINE_HISTORY %d: no history file", tli)
	}
	return string(row[0]), append([]byte(nil), row[1]...), nil
}

func readSlot(ctx context.Context, conn *pgconn.PgConn, name string) (slot, error) {
	row, err := query(ctx, conn, "READ_REPLICATION_SLOT "+name)
	if err != nil {
		return slot{}, err
	}
	if len(row) < 3 || row[0] == nil {
		return slot{}, nil
	}
	s := slot{Exists: true, Physical: string(row[0]) == "physical"}
	if row[1] != nil {
		if s.RestartLSN, err = walname.ParseLSN(string(row[1])); err != nil {
			return slot{}, fmt.Errorf("READ_REPLICATION_SLOT: %w", err)
		}
	}
	if row[2] != nil {
		tli, err := strconv.ParseUint(string(row[2]), 10, 32)
		if err != nil {
			return slot{}, fmt.Errorf("READ_REPLICATION_SLOT: %w", err)
		}
		s.RestartTLI = uint32(tli)
	}
	return s, nil
}

// startReplication sends START_REPLICATION and waits for the copy to
// begin. A timeline the server finished at the requested position gives
// an *endOfTimeline error instead.
func startReplication(ctx context.Context, conn *pgconn.PgConn, slotName string, pos walname.LSN, tli uint32) error {
	cmd := "START_REPLICATION "
	if slotName != "" {
		cmd += "SLOT " + slotName + " "
	}
	cmd += fmt.Sprintf("PHYSICAL %s TIMELINE %d", pos, tli)
	conn.Frontend().Send(&pgproto3.Query{String: cmd})
	if err := conn.Frontend().Flush(); err != nil {
		return fmt.Errorf("send START_REPLICATION: %w", err)
	}
	end := &endOfTimeline{}
	for {
		msg, err := conn.ReceiveMessage(ctx)
		if err != nil {
			return fmt.Errorf("START_REPLICATION: %w", err)
		}
		switch m := msg.(type) {
		case *pgproto3.CopyBothResponse:
			return nil
		case *pgproto3.ErrorResponse:
			drainToReady(ctx, conn)
			return fmt.Errorf("START_REPLICATION %s on timeline %d: %w", pos, tli, pgconn.ErrorResponseToPgError(m))
		case *pgproto3.DataRow:
			if err := end.parse(m); err != nil {
				return err
			}
		case *pgproto3.ReadyForQuery:
			if end.Timeline != 0 {
				return end
			}
			return fmt.Errorf("START_REPLICATION %s on timeline %d: the server ended it without streaming", pos, tli)
		}
	}
}

// drainToReady reads until ReadyForQuery after an error, so that the
// connection can take another command.
func drainToReady(ctx context.Context, conn *pgconn.PgConn) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		msg, err := conn.ReceiveMessage(ctx)
		if err != nil {
			return
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			return
		}
	}
}

// endOfTimeline is what the server says when it has sent the whole of a
// timeline: the next timeline and where it starts.
type endOfTimeline struct {
	Timeline uint32
	Start    walname.LSN
}

func (e *endOfTimeline) Error() string {
	return fmt.Sprintf("end of timeline: timeline %d starts at %s", e.Timeline, e.Start)
}

func (e *endOfTimeline) parse(m *pgproto3.DataRow) error {
	if len(m.Values) != 2 {
		return fmt.Errorf("end of timeline: %d columns, want 2", len(m.Values))
	}
	tli, err := strconv.ParseUint(string(m.Values[0]), 10, 32)
	if err != nil {
		return fmt.Errorf("end of timeline: next timeline %q: %w", m.Values[0], err)
	}
	start, err := walname.ParseLSN(string(m.Values[1]))
	if err != nil {
		return fmt.Errorf("end of timeline: %w", err)
	}
	e.Timeline, e.Start = uint32(tli), start
	return nil
}

// pgEpoch is PostgreSQL's epoch for timestamps in replication messages.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// statusUpdate encodes a standby status update ('r'): positions written
// and flushed; the apply position is left invalid (0), as barman applies
// nothing.
func statusUpdate(write, flush walname.LSN, now time.Time, reply bool) []byte {
	b := make([]byte, 0, 39)
	b = append(b, 'd', 0, 0, 0, 38, 'r')
	b = binary.BigEndian.AppendUint64(b, uint64(write))
	b = binary.BigEndian.AppendUint64(b, uint64(flush))
	b = binary.BigEndian.AppendUint64(b, 0)
	b = binary.BigEndian.AppendUint64(b, uint64(now.Sub(pgEpoch).Microseconds()))
	if reply {
		return append(b, 1)
	}
	return append(b, 0)
}
