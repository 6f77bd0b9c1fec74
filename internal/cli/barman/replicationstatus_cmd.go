package barman

import (
	"github.com/gobarman/barman/pkg/replstatus"
	"github.com/gobarman/barman/pkg/server"
)

// ReplicationStatusCmd is `barman replication-status`.
type ReplicationStatusCmd struct {
	Minimal bool     `help:"Machine readable output."`
	Target  string   `enum:"all,hot-standby,wal-streamer" default:"all" help:"Clients to show: hot-standby, wal-streamer (pg_receivewal, receive-wal) or all."`
	Source  string   `enum:"backup-host,wal-host" default:"backup-host" help:"Server to ask: backup-host (conninfo) or wal-host (wal_conninfo, the host WAL is streamed from)."`
	Servers []string `arg:"" name:"server" help:"Server names, or 'all'."`
}

// Run prints the streaming clients of each active server.
func (c *ReplicationStatusCmd) Run(env *Env) error {
	servers, err := env.Servers(c.Servers)
	if err != nil {
		return err
	}
	for _, s := range servers {
		if !s.Active {
			continue // as Barman: inactive servers are skipped
		}
		r, err := replstatus.Read(env.Ctx, c.conninfo(s), replstatus.Target(c.Target), s.CheckTimeout)
		if err != nil {
			env.Log.Warn("replication-status failed", "server", s.Name, "error", err)
			env.Out.Error("Unable to connect to server %s: %v", s.Name, err)
			continue
		}
		env.Out.Result(s.Name, replstatus.JSON(r, c.Minimal))
		for _, line := range replstatus.Lines(s.Name, r, c.Minimal) {
			env.Out.Line("%s", line)
		}
	}
	return nil
}

func (c *ReplicationStatusCmd) conninfo(s *server.Server) string {
	if c.Source == "wal-host" {
		return s.Streaming.WALConninfo
	}
	return s.Conninfo
}
