package barman

import (
	"github.com/gobarman/barman/pkg/server"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/backups"
)

// ListBackupsCmd is `barman list-backups SERVER...|all` (alias
// list-backup).
type ListBackupsCmd struct {
	Minimal bool     `help:"Print only the backup IDs."`
	Servers []string `arg:"" name:"server" help:"Server names, or 'all'."`
}

// Run prints one line per backup, newest first, server by server in name
// order; inactive servers are skipped, as Barman does.
func (c *ListBackupsCmd) Run(env *Env) error {
	servers, err := env.Servers(c.Servers)
	if err != nil {
		return err
	}
	for _, s := range sortedServers(servers) {
		if !s.Active {
			continue
		}
		if err := c.list(env, s); err != nil {
			return err
		}
	}
	return nil
}

func (c *ListBackupsCmd) list(env *Env, s *server.Server) error {
	l := s.Layout
	cat, err := backups.Load(l)
	if err != nil {
		return err
	}
	entries, err := l.ReadXlogDB()
	if err != nil {
		return err
	}
	list, err := cat.List(entries)
	if err != nil {
		if err := catalogueError(env, err); err != nil {
			return err
		}
	}
	rep, err := retentionReport(env, s, cat)
	if err != nil {
		return err
	}
	doc := []any{}
	for _, e := range list {
		e.Retention = retentionStatus(rep, e.Backup)
		if c.Minimal {
			doc = append(doc, e.Backup.ID)
			env.Out.Line("%s", e.Backup.ID)
			continue
		}
		doc = append(doc, e.JSON())
		env.Out.Line("%s", e.Line())
	}
	env.Out.Result(s.Name, doc)
	return nil
}

// sortedServers returns servers sorted by name, without repeats.
func sortedServers(servers []*server.Server) []*server.Server {
	out := slices.Clone(servers)
	slices.SortFunc(out, func(a, b *server.Server) int { return strings.Compare(a.Name, b.Name) })
	return slices.Compact(out)
}
