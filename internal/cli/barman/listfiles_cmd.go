package barman

// ListFilesCmd is `barman list-files [--target T] SERVER BACKUP_ID`.
type ListFilesCmd struct {
	Target string `enum:"data,standalone,wal,full" default:"standalone" help:"What to list: data (the base backup files), standalone (data and the WAL files it needs), wal (the WAL files from its start to the next backup) or full (data and wal)."`
	Server string `arg:"" help:"Server name."`
	Backup string `arg:"" name:"backup_id" help:"Backup ID, or latest/last, oldest/first, last-failed, or a backup name."`
}

// Run prints absolute paths, one per line. With -f json they are the
// _INFO list, as Barman gives them.
func (c *ListFilesCmd) Run(env *Env) error {
	_, cat, entries, err := openCatalogue(env, c.Server)
	if err != nil {
		return err
	}
	b := resolveBackup(env, cat, c.Backup)
	if b == nil {
		return nil
	}
	files, err := cat.Files(b, c.Target, entries)
	if err != nil {
		return catalogueError(env, err)
	}
	for _, f := range files {
		if env.Out.JSON() {
			env.Out.Info("%s", f)
		} else {
			env.Out.Line("%s", f)
		}
	}
	return nil
}
