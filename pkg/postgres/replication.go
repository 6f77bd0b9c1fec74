package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// HintedError is an error with advice for the user; the CLI prints the
// hint on its own line (it satisfies clikit.Hinter).
type HintedError struct {
	Err    error
	Advice string
}

func (e *HintedError) Error() string { return e.Err.Error() }
func (e *HintedError) Unwrap() error { return e.Err }
func (e *HintedError) Hint() string  { return e.Advice }

// ReplicationConnect opens a physical replication connection
// (replication=true) from a streaming connection string. appName is the
// application_name used when the string sets none. what names the
// configuration option the string comes from, for messages.
func ReplicationConnect(ctx context.Context, conninfo, appName, what string) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig(conninfo)
	if err != nil {
		return nil, fmt.Errorf("streaming connection: %w", NewParseError(conninfo, err))
	}
	cfg.RuntimeParams["replication"] = "true"
	if cfg.RuntimeParams["application_name"] == "" && appName != "" {
		cfg.RuntimeParams["application_name"] = appName
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		err = fmt.Errorf("replication connection to %s@%s:%d: %w", cfg.User, cfg.Host, cfg.Port, RootCause(err))
		return nil, &HintedError{Err: err, Advice: ReplicationHint(err, cfg.User, what)}
	}
	return conn, nil
}

// RootCause picks, out of pgconn's report of every attempt (TLS, then
// plain), the server's error or the network error.
func RootCause(err error) error {
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

// ReplicationHint says what to do about a failed replication connection
// of user, made from the option what (e.g. "streaming_conninfo").
func ReplicationHint(err error, user, what string) string {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return "check that PostgreSQL is running and that the host and port of " + what + " are right"
	}
	switch {
	case pgErr.Code == "28P01":
		return "check the password in " + what + " or in ~/.pgpass"
	case pgErr.Code == "28000" && strings.Contains(pgErr.Message, "replication"):
		return fmt.Sprintf("add a line like \"host replication %s <barman address>/32 scram-sha-256\" to pg_hba.conf and reload PostgreSQL", user)
	case pgErr.Code == "42501":
		return fmt.Sprintf("give the role the REPLICATION attribute: ALTER ROLE %s REPLICATION", user)
	case pgErr.Code == "53300" && strings.Contains(pgErr.Message, "max_wal_senders"):
		return "raise max_wal_senders in postgresql.conf (it needs a restart): barman needs one sender for receive-wal and one for each streaming backup"
	case pgErr.Hint != "":
		return pgErr.Hint
	}
	return ""
}
