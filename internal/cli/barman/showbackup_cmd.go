package barman

import (
	"errors"
	"github.com/gobarman/barman/pkg/server"
	"io"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
)

// ShowBackupCmd is `barman show-backup SERVER BACKUP_ID` (alias
// show-backups).
type ShowBackupCmd struct {
	Server string `arg:"" help:"Server name."`
	Backup string `arg:"" name:"backup_id" help:"Backup ID, or latest/last, oldest/first, last-failed, or a backup name."`
}

// Run prints every fact Barman 3.4 shows about the backup.
func (c *ShowBackupCmd) Run(env *Env) error {
	s, cat, entries, err := openCatalogue(env, c.Server)
	if err != nil {
		return err
	}
	b := resolveBackup(env, cat, c.Backup)
	if b == nil {
		return nil
	}
	d, err := cat.Details(b, entries)
	if err != nil {
		return catalogueError(env, err)
	}
	rep, err := retentionReport(env, s, cat)
	if err != nil {
		return err
	}
	d.Retention = retentionStatus(rep, b)
	env.Out.Result(d.Server, d.JSON())
	for _, line := range d.Lines() {
		env.Out.Line("%s", line)
	}
	return nil
}

// openCatalogue reads the backups and the xlog.db of a configured server.
func openCatalogue(env *Env, name string) (*server.Server, *backups.Catalogue, []catalog.WALEntry, error) {
	servers, err := env.Servers([]string{name})
	if err != nil {
		return nil, nil, nil, err
	}
	l := servers[0].Layout
	cat, err := backups.Load(l)
	if err != nil {
		return nil, nil, nil, err
	}
	arch := servers[0].Archive(env.Log)
	cat.OpenWAL = func(name string) (io.ReadCloser, error) { return arch.Open(name, false) }
	entries, err := l.ReadXlogDB()
	return servers[0], cat, entries, err
}

// resolveBackup resolves a backup reference, printing Barman's error
// (exit 1) and returning nil when it matches no backup or several.
func resolveBackup(env *Env, cat *backups.Catalogue, ref string) *catalog.BackupInfo {
	b, err := cat.Resolve(ref)
	if err != nil {
		env.Out.Error("%s", err)
		return nil
	}
	return b
}

// catalogueError prints an invalid xlog.db name as Barman does (with its
// hint to rebuild xlog.db); other errors are returned.
func catalogueError(env *Env, err error) error {
	var bad *backups.BadWALNameError
	if errors.As(err, &bad) {
		env.Out.Error("%s", err)
		return nil
	}
	return err
}
