package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Identity is what IDENTIFY_SYSTEM answers on a replication connection:
// Barman's streaming_systemid, timeline and xlogpos.
type Identity struct {
	SystemID string
	Timeline int
	XLogPos  string // the server's current flush position, e.g. "0/3000148"
}

// IdentifySystem runs IDENTIFY_SYSTEM on a replication connection.
func IdentifySystem(ctx context.Context, conn *pgconn.PgConn) (*Identity, error) {
	res, err := conn.Exec(ctx, "IDENTIFY_SYSTEM").ReadAll()
	if err != nil {
		return nil, fmt.Errorf("IDENTIFY_SYSTEM: %w", err)
	}
	if len(res) != 1 || len(res[0].Rows) != 1 || len(res[0].Rows[0]) < 3 {
		return nil, fmt.Errorf("IDENTIFY_SYSTEM: unexpected answer (is this a replication connection?)")
	}
	row := res[0].Rows[0]
	id := &Identity{SystemID: string(row[0]), XLogPos: string(row[2])}
	if id.Timeline, err = strconv.Atoi(string(row[1])); err != nil {
		return nil, fmt.Errorf("IDENTIFY_SYSTEM: timeline %q: %w", row[1], err)
	}
	return id, nil
}

// IdentifyOf opens a replication connection to conninfo and runs
// IDENTIFY_SYSTEM, the whole exchange bounded by timeout (0: no limit):
// what `barman check` calls "PostgreSQL streaming".
func IdentifyOf(ctx context.Context, conninfo, appName string, timeout time.Duration) (*Identity, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	conn, err := ReplicationConnect(ctx, conninfo, appName, "streaming_conninfo")
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return IdentifySystem(ctx, conn)
}

// Slot is a row of pg_replication_slots.
type Slot struct {
	Name       string
	Type       string // physical or logical
	Active     bool
	ActivePID  int    // 0 when inactive
	RestartLSN string // "" until a client has streamed from the slot
	WALStatus  string // reserved, extended, unreserved or lost
}

const slotQuery = `SELECT slot_name::text, slot_type, active, coalesce(active_pid, 0),
  coalesce(restart_lsn::text, ''), coalesce(wal_status, '')
  FROM pg_replication_slots WHERE slot_name = $1`

// ReplicationSlot reads the slot called name; nil when there is none.
func (c *Conn) ReplicationSlot(ctx context.Context, name string) (*Slot, error) {
	s := &Slot{}
	err := c.c.QueryRow(ctx, slotQuery, name).Scan(&s.Name, &s.Type, &s.Active, &s.ActivePID, &s.RestartLSN, &s.WALStatus)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read replication slot %q: %w", name, err)
	}
	return s, nil
}

// SlotOf connects to conninfo and reads the replication slot called name
// (nil when there is none), bounded by timeout (0: no limit).
func SlotOf(ctx context.Context, conninfo, name string, timeout time.Duration) (*Slot, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	conn, err := Connect(ctx, conninfo)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return conn.ReplicationSlot(ctx, name)
}

// SynchronousNames returns the standby names of a
// synchronous_standby_names setting, as Barman reads them: the list inside
// the parentheses of "FIRST 2 (a, b)" or "ANY 1 (a, b)", or the whole
// setting, split on commas, without quotes.
func SynchronousNames(setting string) []string {
	list := setting
	if open := strings.IndexByte(list, '('); open >= 0 {
		list = list[open+1:]
		if end := strings.LastIndexByte(list, ')'); end >= 0 {
			list = list[:end]
		}
	}
	var names []string
	for _, n := range strings.Split(list, ",") {
		if n = strings.Trim(strings.TrimSpace(n), `"`); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// IsSynchronous reports whether a standby connecting with application_name
// appName is a candidate synchronous standby under the setting (its name
// or * is listed): receive-wal then reports flush only after fsync.
func IsSynchronous(setting, appName string) bool {
	for _, n := range SynchronousNames(setting) {
		if n == "*" || strings.EqualFold(n, appName) {
			return true
		}
	}
	return false
}
