package basebackup

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/jackc/pgx/v5/pgconn"
)

// hintedError is an error with advice for the user.
type hintedError = postgres.HintedError

// replicationConnect opens a physical replication connection.
func replicationConnect(ctx context.Context, conninfo string) (*pgconn.PgConn, error) {
	return postgres.ReplicationConnect(ctx, conninfo, streamAppName, "streaming_conninfo")
}

// connectHint says what to do about a failed replication connection.
func connectHint(err error, user string) string {
	return postgres.ReplicationHint(err, user, "streaming_conninfo")
}

// serverError turns an ErrorResponse received during BASE_BACKUP into an
// error, keeping the server's hint.
func serverError(pgErr *pgconn.PgError) error {
	err := fmt.Errorf("BASE_BACKUP failed: %w", pgErr)
	if pgErr.Hint != "" {
		return &hintedError{Err: err, Advice: pgErr.Hint}
	}
	return err
}

// lookupTablespaceNames reads pg_tablespace through a regular (not
// replication) connection made from the same connection string. It is
// best effort: a replication-only role may not be allowed to connect to
// a database, and the names are only descriptive.
func lookupTablespaceNames(ctx context.Context, conninfo string) map[uint32]string {
	cfg, err := pgconn.ParseConfig(conninfo)
	if err != nil {
		return nil
	}
	delete(cfg.RuntimeParams, "replication")
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = streamAppName
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil
	}
	defer closeConn(conn)
	res := conn.ExecParams(ctx, "SELECT oid, spcname FROM pg_catalog.pg_tablespace", nil, nil, nil, nil).Read()
	if res.Err != nil {
		return nil
	}
	names := make(map[uint32]string, len(res.Rows))
	for _, row := range res.Rows {
		if oid, err := strconv.ParseUint(string(row[0]), 10, 32); err == nil {
			names[uint32(oid)] = string(row[1])
		}
	}
	return names
}
