package barman

import (
	"context"
	"github.com/gobarman/barman/pkg/server"
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
	archive := func(context.Context) error { return archiveWAL(env, s, 10*time.Second) }
	return archiveJob(env, s).WaitFor(env.Ctx, closed, time.Duration(c.ArchiveTimeout)*time.Second, archive)
}

// switchWAL closes the current WAL segment of the server at conninfo.
func switchWAL(ctx context.Context, conninfo string, force bool) (string, error) {
	conn, err := postgres.Connect(ctx, conninfo)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	return conn.SwitchWAL(ctx, force)
}
