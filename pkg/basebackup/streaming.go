package basebackup

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gobarman/barman/pkg/walname"
)

// StreamOptions configures StreamBackup.
type StreamOptions struct {
	Label       string // backup label; "" lets the server choose
	Fast        bool   // CHECKPOINT 'fast' (immediate_checkpoint) instead of 'spread'
	MaxRateKBps int    // 0 = unlimited; else 32 to 1048576 kB/s
	Manifest    bool   // ask for backup_manifest, stored as data/backup_manifest
	Compression Compression
	// Progress, when set, is called with the bytes sent so far and the
	// server's estimate of the total (it makes the server size the
	// backup first: BASE_BACKUP's PROGRESS option).
	Progress func(done, total int64)
}

// StreamResult describes a finished streaming backup.
type StreamResult struct {
	StartLSN, EndLSN walname.LSN
	Timeline         uint32 // of the start position
	EndTimeline      uint32
	BackupLabel      string       // contents of backup_label, as received
	TablespaceMap    string       // contents of tablespace_map ("" without tablespaces)
	Tablespaces      []Tablespace // by OID; Name is "" when it could not be looked up
	Manifest         []byte       // backup_manifest, when requested
	Files, Bytes     int64        // regular files written and their bytes
}

// streamAppName is the application_name of the replication connection
// unless the connection string sets one.
const streamAppName = "barman_streaming_backup"

// StreamBackup takes a base backup of a PostgreSQL 15 or later server with
// the replication protocol's BASE_BACKUP command, writing every file of
// every archive through sink as it arrives (nothing is buffered but the
// manifest). WAL is not included: the backup relies on the WAL archive.
// conninfo is a libpq connection string or URL; replication=true is
// added. Canceling ctx closes the connection, which aborts the backup on
// the server.
func StreamBackup(ctx context.Context, conninfo string, opt StreamOptions, sink *Sink) (*StreamResult, error) {
	if err := opt.Compression.Validate(); err != nil {
		return nil, err
	}
	if opt.MaxRateKBps != 0 && (opt.MaxRateKBps < 32 || opt.MaxRateKBps > 1048576) {
		return nil, fmt.Errorf("max rate %d kB/s out of range (32 to 1048576)", opt.MaxRateKBps)
	}
	conn, err := replicationConnect(ctx, conninfo)
	if err != nil {
		return nil, err
	}
	defer closeConn(conn)
	if err := checkServerVersion(conn); err != nil {
		return nil, err
	}
	s := &streamSession{conn: conn, conninfo: conninfo, opt: opt, sink: sink, res: &StreamResult{}}
	stop := context.AfterFunc(ctx, func() { conn.Conn().Close() })
	defer stop()
	if err := s.run(ctx, baseBackupCommand(opt)); err != nil {
		s.abortArchive(err)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("streaming backup interrupted: %w", ctx.Err())
		}
		return nil, err
	}
	return s.res, nil
}

// baseBackupCommand builds the PostgreSQL 15 BASE_BACKUP command.
// TARGET 'client' selects the single-COPY protocol (as pg_basebackup 15
// does); WAIT false: the server does not wait for WAL archiving.
func baseBackupCommand(opt StreamOptions) string {
	var o []string
	if opt.Label != "" {
		o = append(o, "LABEL "+quoteLiteral(opt.Label))
	}
	o = append(o, "TARGET 'client'")
	if opt.Progress != nil {
		o = append(o, "PROGRESS")
	}
	checkpoint := "spread"
	if opt.Fast {
		checkpoint = "fast"
	}
	o = append(o, "CHECKPOINT '"+checkpoint+"'", "WAIT false", "TABLESPACE_MAP")
	if opt.Manifest {
		o = append(o, "MANIFEST 'yes'")
	}
	if opt.MaxRateKBps > 0 {
		o = append(o, "MAX_RATE "+strconv.Itoa(opt.MaxRateKBps))
	}
	o = append(o, opt.Compression.serverOptions()...)
	return "BASE_BACKUP (" + strings.Join(o, ", ") + ")"
}

// quoteLiteral quotes s for the replication command grammar, which knows
// only doubled quotes (no backslash escapes).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// checkServerVersion refuses servers older than 15, which lack the
// single-COPY BASE_BACKUP protocol.
func checkServerVersion(conn *pgconn.PgConn) error {
	v := conn.ParameterStatus("server_version")
	major, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(strings.TrimRightFunc(major, notDigit)); err == nil && n < 15 {
		return &hintedError{Err: fmt.Errorf("PostgreSQL %s is not supported by the streaming backup", v),
			Advice: "streaming backups need PostgreSQL 15 or later"}
	}
	return nil
}

func notDigit(r rune) bool { return r < '0' || r > '9' }

func closeConn(conn *pgconn.PgConn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Close(ctx)
}
