package postgres

import (
	"context"
	"fmt"
	"time"
)

// SwitchWAL closes the current WAL segment (pg_switch_wal), after a
// CHECKPOINT when force is set, and returns the name of the segment it
// closed: "" when nothing was written since the last switch.
func (c *Conn) SwitchWAL(ctx context.Context, force bool) (string, error) {
	if force {
		if _, err := c.c.Exec(ctx, "CHECKPOINT"); err != nil {
			return "", fmt.Errorf("checkpoint: %w", err)
		}
	}
	var before, after, name string
	q := `SELECT pg_current_wal_lsn()::text, pg_switch_wal()::text, pg_walfile_name(pg_current_wal_lsn())`
	if err := c.c.QueryRow(ctx, q).Scan(&before, &after, &name); err != nil {
		return "", fmt.Errorf("pg_switch_wal: %w", err)
	}
	if before == after && !force {
		return "", nil
	}
	var closed string
	err := c.c.QueryRow(ctx, `SELECT pg_walfile_name($1::pg_lsn)`, after).Scan(&closed)
	return closed, err
}

// StatusOf connects to conninfo and reads the server's status, the whole
// exchange bounded by timeout (0: no limit).
func StatusOf(ctx context.Context, conninfo string, timeout time.Duration) (*Status, error) {
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
	return conn.Status(ctx)
}
