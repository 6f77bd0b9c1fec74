package basebackup

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/jackc/pgx/v5/pgconn"
)

// hintedError is an error with advice for the user; the CLI prints the
// hint on its own line (it satisfies clikit.Hinter).
type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() }
func (e *hintedError) Unwrap() error { return e.err }
func (e *hintedError) Hint() string  { return e.hint }

// replicationConnect opens a physical replication connection.
func replicationConnect(ctx context.Context, conninfo string) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig(conninfo)
	if err != nil {
		return nil, fmt.Errorf("streaming connection: %w", postgres.NewParseError(conninfo, err))
	}
	cfg.RuntimeParams["replication"] = "true"
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = streamAppName
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		err = fmt.Errorf("replication connection to %s@%s:%d: %w", cfg.User, cfg.Host, cfg.Port, rootCause(err))
		return nil, &hintedError{err: err, hint: connectHint(err, cfg.User)}
	}
	return conn, nil
}

// rootCause picks, out of pgconn's report of every attempt (TLS, then
// plain), the server's error or the network error.
func rootCause(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr
	}
	var netErr *net.OpError
	if errors.As(err, &netErr) {
		return netErr
	}
	return err
}

// connectHint says what to do about a failed replication connection.
func connectHint(err error, user string) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return "check that PostgreSQL is running and that the host and port of streaming_conninfo are right"
	}
	switch {
	case pgErr.Code == "28P01":
		return "check the password in streaming_conninfo or in ~/.pgpass"
	case pgErr.Code == "28000" && strings.Contains(pgErr.Message, "replication"):
		return fmt.Sprintf("add a line like \"host replication %s <barman address>/32 scram-sha-256\" to pg_hba.conf and reload PostgreSQL", user)
	case pgErr.Code == "42501":
		return fmt.Sprintf("give the role the REPLICATION attribute: ALTER ROLE %s REPLICATION", user)
	case pgErr.Code == "53300" && strings.Contains(pgErr.Message, "max_wal_senders"):
		return "raise max_wal_senders in postgresql.conf (it needs a restart): one more sender is needed for the backup"
	case pgErr.Hint != "":
		return pgErr.Hint
	}
	return ""
}

// serverError turns an ErrorResponse received during BASE_BACKUP into an
// error, keeping the server's hint.
func serverError(pgErr *pgconn.PgError) error {
	err := fmt.Errorf("BASE_BACKUP failed: %w", pgErr)
	if pgErr.Hint != "" {
		return &hintedError{err: err, hint: pgErr.Hint}
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
