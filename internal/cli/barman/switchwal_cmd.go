package barman

import (
	"context"
	"fmt"
	"github.com/gobarman/barman/pkg/server"
	"os"
	"path/filepath"
	"time"

	"github.com/gobarman/barman/pkg/postgres"
)

// SwitchWALCmd is `barman switch-wal` (alias switch-xlog).
type SwitchWALCmd struct {
	Force          bool     `help:"Run a CHECKPOINT first, so that there is something to switch."`
	Archive        bool     `help:"Wait until the closed WAL file arrives, and archive it."`
	ArchiveTimeout int      `name:"archive-timeout" default:"30" help:"Seconds to wait with --archive."`
	Servers        []string `arg:"" name:"server" help:"Server names, or 'all'."`
}

// Run closes the current WAL segment of each server.
func (c *SwitchWALCmd) Run(env *Env) error {
	servers, err := env.Servers(c.Servers)
	if err != nil {
		return err
	}
	for _, s := range servers {
		if err := c.one(env, s); err != nil {
			env.Out.Error("switch-wal on server %s: %v", s.Name, err)
		}
	}
	return nil
}

func (c *SwitchWALCmd) one(env *Env, s *server.Server) error {
	closed, err := switchWAL(env.Ctx, s.Conninfo, c.Force)
	if err != nil {
		return err
	}
	if closed == "" {
		env.Out.Info("No switch required for server '%s'", s.Name)
		return nil
	}
	env.Out.Info("The WAL file %s has been closed on server '%s'", closed, s.Name)
	if !c.Archive {
		return nil
	}
	env.Out.Info("Waiting for the WAL file %s from server '%s' (max: %d seconds)", closed, s.Name, c.ArchiveTimeout)
	return waitArchived(env, s, closed, time.Duration(c.ArchiveTimeout)*time.Second)
}

// switchWAL runs pg_switch_wal (after a CHECKPOINT with force) and returns
// the segment closed, "" when nothing was written since the last switch.
func switchWAL(ctx context.Context, conninfo string, force bool) (string, error) {
	conn, err := postgres.Connect(ctx, conninfo)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	if force {
		if _, err := conn.PGX().Exec(ctx, "CHECKPOINT"); err != nil {
			return "", fmt.Errorf("checkpoint: %w", err)
		}
	}
	var before, after, name string
	q := `SELECT pg_current_wal_lsn()::text, pg_switch_wal()::text, pg_walfile_name(pg_current_wal_lsn())`
	if err := conn.PGX().QueryRow(ctx, q).Scan(&before, &after, &name); err != nil {
		return "", fmt.Errorf("pg_switch_wal: %w", err)
	}
	if before == after && !force {
		return "", nil
	}
	var closed string
	err = conn.PGX().QueryRow(ctx, `SELECT pg_walfile_name($1::pg_lsn)`, after).Scan(&closed)
	return closed, err
}

// waitArchived polls until name has arrived, archiving what arrives.
func waitArchived(env *Env, s *server.Server, name string, timeout time.Duration) error {
	a := s.Archive(env.Log)
	deadline := time.Now().Add(timeout)
	for {
		if err := archiveWAL(env, s, 10*time.Second); err != nil {
			return err
		}
		if _, err := os.Stat(a.Layout.WALPath(name)); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the WAL file %s has not been received in %s: check archive_command (it should send WAL to %s)",
				name, timeout, filepath.Clean(a.Layout.IncomingDir()))
		}
		select {
		case <-env.Ctx.Done():
			return env.Ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
