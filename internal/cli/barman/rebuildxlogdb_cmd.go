package barman

// RebuildXlogDBCmd is `barman rebuild-xlogdb SERVER...`.
type RebuildXlogDBCmd struct {
	Servers []string `arg:"" name:"server" help:"Server names, or 'all'."`
}

// Run rewrites each server's xlog.db from the files under wals/.
func (c *RebuildXlogDBCmd) Run(env *Env) error {
	servers, err := env.Servers(c.Servers)
	if err != nil {
		return err
	}
	for _, s := range servers {
		env.Out.Info("Rebuilding xlogdb for server %s", s.Name)
		cm, err := s.Archive(env.Log).OpenCommitter(env.Ctx)
		if err != nil {
			return err
		}
		h, l, w, err := cm.Rebuild()
		cm.Close()
		if err != nil {
			return err
		}
		env.Out.Info("Done rebuilding xlogdb for server %s (history: %d, backup_labels: %d, wal_file: %d)", s.Name, h, l, w)
	}
	return nil
}
