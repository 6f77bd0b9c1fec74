package basebackup

import (
	"context"
	"fmt"

	"github.com/gobarman/barman/pkg/postgres"
)

// Session is a connection on which a backup is started with
// pg_backup_start (Begin) and stopped with pg_backup_stop (Stop): the copy is the caller's (barman-cloud-backup reads
// PGDATA itself and streams it to object storage).
type Session struct {
	c     *postgres.Conn
	Meta  Meta
	Start Point
}

// Connect opens the session's connection and reads the server's metadata.
func Connect(ctx context.Context, conninfo string) (*Session, error) {
	c, err := postgres.Connect(ctx, conninfo)
	if err != nil {
		return nil, err
	}
	meta, err := readMeta(ctx, c)
	if err != nil {
		c.Close(context.Background())
		return nil, err
	}
	return &Session{c: c, Meta: meta}, nil
}

// Begin starts a non-exclusive backup labelled label (fast: immediate
// checkpoint); s.Start is its start point.
func (s *Session) Begin(ctx context.Context, label string, fast bool) error {
	start, err := startBackup(ctx, s.c, label, fast)
	if err != nil {
		return err
	}
	s.Start = start
	return nil
}

// Stop runs pg_backup_stop, waiting until PostgreSQL has archived the WAL
// the backup needs (as Barman's barman-cloud-backup: with archive_mode on,
// a backup listed DONE can be restored at once), switches WAL, and returns
// the end point, the backup_label and tablespace_map contents.
func (s *Session) Stop(ctx context.Context) (end Point, label, spcmap string, err error) {
	return stopBackup(ctx, s.c, s.Start, true)
}

// RestorePoint creates a named restore point (pg_create_restore_point).
func (s *Session) RestorePoint(ctx context.Context, name string) error {
	if _, err := s.c.PGX().Exec(ctx, "SELECT pg_create_restore_point($1)", name); err != nil {
		return fmt.Errorf("pg_create_restore_point: %w", err)
	}
	return nil
}

// Close closes the connection: a backup not stopped yet is aborted.
func (s *Session) Close() { s.c.Close(context.Background()) }
