package replstatus

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/walname"
)

// Target selects the clients shown (--target).
type Target string

// The targets of replication-status.
const (
	All         Target = "all"
	HotStandby  Target = "hot-standby"
	WALStreamer Target = "wal-streamer"
)

// Title is how Barman names the clients of a target.
func (t Target) Title() string {
	switch t {
	case HotStandby:
		return "hot standby servers"
	case WALStreamer:
		return "WAL streamers"
	}
	return "streaming clients"
}

// Client is one streaming client: a row of pg_stat_replication and the
// slot it streams from. LSNs are PostgreSQL's text ("0/3000148"), ""
// when NULL.
type Client struct {
	PID             int
	UserName        string
	ApplicationName string
	ClientAddr      string // "" over a Unix socket
	ClientHostname  string
	ClientPort      int
	BackendStart    time.Time
	BackendXmin     string
	State           string
	SentLSN         string
	WriteLSN        string
	FlushLSN        string
	ReplayLSN       string
	SyncPriority    int
	SyncState       string // async, potential, sync or quorum
	SlotName        string
	// CurrentLSN is the server's position when the row was read: the
	// current WAL position, or the last received one on a standby.
	CurrentLSN string
}

// Report is the replication status of one server.
type Report struct {
	Target Target
	// ServerLSN is the server's current WAL position (the last replayed
	// one on a standby), "" when unknown (Barman then says "slave").
	ServerLSN string
	Clients   []Client
}

// privilegesQuery: without superuser or the backup privileges,
// pg_stat_replication hides the positions of other users' clients.
const privilegesQuery = `SELECT current_user::text,
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)
  OR (has_function_privilege('pg_backup_start(text,boolean)', 'execute')
      AND has_function_privilege('pg_backup_stop(boolean)', 'execute')
      AND pg_has_role('pg_read_all_settings', 'MEMBER'))`

const clientsQuery = `SELECT r.pid, coalesce(r.usename::text, ''), coalesce(r.application_name, ''),
  coalesce(host(r.client_addr), ''), coalesce(r.client_hostname, ''), coalesce(r.client_port, -1),
  r.backend_start, coalesce(r.backend_xmin::text, ''), coalesce(r.state, ''),
  coalesce(r.sent_lsn::text, ''), coalesce(r.write_lsn::text, ''),
  coalesce(r.flush_lsn::text, ''), coalesce(r.replay_lsn::text, ''),
  coalesce(r.sync_priority, 0), coalesce(r.sync_state, ''), coalesce(rs.slot_name::text, ''),
  coalesce((CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
    ELSE pg_current_wal_lsn() END)::text, '')
  FROM pg_stat_replication r
  LEFT JOIN pg_replication_slots rs ON (r.pid = rs.active_pid)
  WHERE (rs.slot_type IS NULL OR rs.slot_type = 'physical') %s
  ORDER BY r.sync_state DESC, r.sync_priority`

// Read connects to conninfo and reads its streaming clients of target,
// bounded by timeout (0: no limit).
func Read(ctx context.Context, conninfo string, target Target, timeout time.Duration) (*Report, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	conn, err := postgres.Connect(ctx, conninfo)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return ReadConn(ctx, conn, target)
}

// ReadConn reads the streaming clients of target on an open connection.
func ReadConn(ctx context.Context, conn *postgres.Conn, target Target) (*Report, error) {
	c := conn.PGX()
	var user string
	var privileged bool
	if err := c.QueryRow(ctx, privilegesQuery).Scan(&user, &privileged); err != nil {
		return nil, fmt.Errorf("read privileges: %w", err)
	}
	if !privileged {
		return nil, fmt.Errorf("postgres user '%s' is missing required privileges to read pg_stat_replication: use a superuser, or GRANT EXECUTE ON FUNCTION pg_backup_start(text, boolean) and pg_backup_stop(boolean) and GRANT pg_read_all_settings TO %s (see \"Preliminary steps\" in the Barman manual)", user, user)
	}
	r := &Report{Target: target}
	var inRecovery bool
	if err := c.QueryRow(ctx, `SELECT pg_is_in_recovery(), coalesce((CASE WHEN pg_is_in_recovery()
    THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END)::text, '')`).Scan(&inRecovery, &r.ServerLSN); err != nil {
		return nil, fmt.Errorf("read current WAL position: %w", err)
	}
	rows, err := c.Query(ctx, fmt.Sprintf(clientsQuery, filter(target)))
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_replication: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var cl Client
		if err := rows.Scan(&cl.PID, &cl.UserName, &cl.ApplicationName, &cl.ClientAddr, &cl.ClientHostname,
			&cl.ClientPort, &cl.BackendStart, &cl.BackendXmin, &cl.State, &cl.SentLSN, &cl.WriteLSN,
			&cl.FlushLSN, &cl.ReplayLSN, &cl.SyncPriority, &cl.SyncState, &cl.SlotName, &cl.CurrentLSN); err != nil {
			return nil, fmt.Errorf("read pg_stat_replication: %w", err)
		}
		r.Clients = append(r.Clients, cl)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read pg_stat_replication: %w", err)
	}
	return r, nil
}

// filter is the condition of a target: standbys replay, WAL streamers
// do not.
func filter(t Target) string {
	switch t {
	case HotStandby:
		return "AND r.replay_lsn IS NOT NULL"
	case WALStreamer:
		return "AND r.replay_lsn IS NULL"
	}
	return ""
}

// IsStandby reports whether the client replays WAL (a hot standby).
func (c Client) IsStandby() bool { return c.ReplayLSN != "" }

// Kind is "standby" or "WAL streamer".
func (c Client) Kind() string {
	if c.IsStandby() {
		return "standby"
	}
	return "WAL streamer"
}

// Diff is lsn minus the server's current position in bytes (0 or
// negative); ok is false when either is unknown.
func (c Client) Diff(lsn string) (diff int64, ok bool) {
	a, err1 := walname.ParseLSN(lsn)
	b, err2 := walname.ParseLSN(c.CurrentLSN)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return int64(a) - int64(b), true
}

// SyncStage is how far the client is, as Barman names it: of 5 stages
// for a standby (replayed, flushed), of 3 for a WAL streamer.
func (c Client) SyncStage() string {
	zero := func(lsn string) bool { d, ok := c.Diff(lsn); return ok && d == 0 }
	max := 3
	if c.IsStandby() {
		max = 5
		switch {
		case zero(c.ReplayLSN):
			return "5/5 Hot standby (max)"
		case zero(c.FlushLSN):
			return "4/5 2-safe"
		}
	}
	switch {
	case zero(c.WriteLSN):
		return fmt.Sprintf("3/%d Remote write", max)
	case zero(c.SentLSN):
		return fmt.Sprintf("2/%d WAL Sent (min)", max)
	}
	return fmt.Sprintf("1/%d 1-safe", max)
}

// Name is the client's heading: "#1 Sync standby", "Async WAL streamer".
func (c Client) Name() string {
	if c.SyncPriority > 0 {
		return fmt.Sprintf("#%d %s %s", c.SyncPriority, capitalize(c.SyncState), c.Kind())
	}
	return fmt.Sprintf("%s %s", capitalize(c.SyncState), c.Kind())
}

// capitalize is Python's str.capitalize: first letter upper, the rest lower.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}
