package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Status is what barman reads from a live server.
type Status struct {
	ServerVersion    string // e.g. "15.18"
	ServerVersionNum int    // e.g. 150018
	DataDirectory    string
	ConfigFile       string
	HBAFile          string
	IdentFile        string
	WalLevel         string
	ArchiveMode      string
	ArchiveCommand   string
	ArchiveTimeout   string
	DataChecksums    string
	WalSegmentSize   int64
	SystemID         string
	InRecovery       bool
	CurrentWAL       string // "" on a standby
	CurrentLSN       string
	IsSuperuser      bool
	HasBackupPrivs   bool
	ArchivedCount    int64
	LastArchivedWAL  string
	LastArchivedTime *time.Time
	FailedCount      int64
	LastFailedWAL    string
	LastFailedTime   *time.Time
	CurrentSize      int64 // sum of pg_tablespace_size
	MaxWalSenders    int
	WalKeepSize      string
	ArchiveLibrary   string
	// Settings that matter to streaming replication and WAL streaming.
	SynchronousStandbyNames string
	MaxReplicationSlots     int
	HotStandby              string
	WalCompression          string
	CheckpointTimeout       int // seconds
}

// Conn is an open connection.
type Conn struct {
	c *pgx.Conn
}

// Connect opens a connection described by a libpq conninfo string.
func Connect(ctx context.Context, conninfo string) (*Conn, error) {
	cfg, err := pgx.ParseConfig(conninfo)
	if err != nil {
		return nil, NewParseError(conninfo, err)
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = "barman"
	}
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 10 * time.Second
	}
	c, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL (%s): %w", MaskConninfo(conninfo), err)
	}
	return &Conn{c: c}, nil
}

// Close closes the connection.
func (c *Conn) Close(ctx context.Context) error { return c.c.Close(ctx) }

// PGX returns the underlying pgx connection.
func (c *Conn) PGX() *pgx.Conn { return c.c }

const statusQuery = `SELECT
  current_setting('server_version'), current_setting('server_version_num')::int,
  current_setting('data_directory'), current_setting('config_file'),
  current_setting('hba_file'), current_setting('ident_file'),
  current_setting('wal_level'), current_setting('archive_mode'),
  current_setting('archive_command'), current_setting('archive_timeout'),
  current_setting('data_checksums'),
  (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),
  (SELECT system_identifier::text FROM pg_control_system()),
  pg_is_in_recovery(),
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),
  has_function_privilege('pg_backup_start(text,boolean)', 'execute')
    AND has_function_privilege('pg_backup_stop(boolean)', 'execute')
    AND pg_has_role('pg_read_all_settings', 'MEMBER'),
  current_setting('max_wal_senders')::int,
  current_setting('wal_keep_size'),
  current_setting('archive_library'),
  (SELECT sum(pg_tablespace_size(oid))::bigint FROM pg_tablespace),
  current_setting('synchronous_standby_names'),
  current_setting('max_replication_slots')::int,
  current_setting('hot_standby'), current_setting('wal_compression'),
  (SELECT setting::int FROM pg_settings WHERE name = 'checkpoint_timeout')`

const archiverQuery = `SELECT archived_count, coalesce(last_archived_wal, ''), last_archived_time,
  failed_count, coalesce(last_failed_wal, ''), last_failed_time FROM pg_stat_archiver`

// Status reads the server's status. It needs PostgreSQL 15 or later for
// every field (pg_backup_start, archive_library).
func (c *Conn) Status(ctx context.Context) (*Status, error) {
	s := &Status{}
	err := c.c.QueryRow(ctx, statusQuery).Scan(&s.ServerVersion, &s.ServerVersionNum,
		&s.DataDirectory, &s.ConfigFile, &s.HBAFile, &s.IdentFile, &s.WalLevel, &s.ArchiveMode,
		&s.ArchiveCommand, &s.ArchiveTimeout, &s.DataChecksums, &s.WalSegmentSize, &s.SystemID,
		&s.InRecovery, &s.IsSuperuser, &s.HasBackupPrivs, &s.MaxWalSenders, &s.WalKeepSize,
		&s.ArchiveLibrary, &s.CurrentSize, &s.SynchronousStandbyNames, &s.MaxReplicationSlots,
		&s.HotStandby, &s.WalCompression, &s.CheckpointTimeout)
	if err != nil {
		return nil, fmt.Errorf("read server settings: %w", err)
	}
	err = c.c.QueryRow(ctx, archiverQuery).Scan(&s.ArchivedCount, &s.LastArchivedWAL,
		&s.LastArchivedTime, &s.FailedCount, &s.LastFailedWAL, &s.LastFailedTime)
	if err != nil {
		return nil, fmt.Errorf("read pg_stat_archiver: %w", err)
	}
	if !s.InRecovery {
		err = c.c.QueryRow(ctx, `SELECT pg_walfile_name(pg_current_wal_lsn()), pg_current_wal_lsn()::text`).
			Scan(&s.CurrentWAL, &s.CurrentLSN)
		if err != nil {
			return nil, fmt.Errorf("read current WAL position: %w", err)
		}
	}
	return s, nil
}
