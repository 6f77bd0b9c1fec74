package barman

import (
	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/backupjob"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/status"
)

// CheckBackupCmd is `barman check-backup SERVER BACKUP_ID`.
type CheckBackupCmd struct {
	Server string `arg:"" help:"Server name."`
	ID     string `arg:"" name:"backup_id" help:"Backup ID, name, or latest, oldest, last-failed."`
}

// Run says whether every WAL file the backup needs is archived, and moves
// a WAITING_FOR_WALS backup to DONE (or FAILED when one is missing).
func (c *CheckBackupCmd) Run(env *Env) error {
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	cat, err := backups.Load(servers[0].Layout)
	if err != nil {
		return err
	}
	b, err := cat.Resolve(c.ID)
	if err != nil {
		return err
	}
	st, err := backupjob.Promote(servers[0], env.Log, b.ID)
	if err != nil {
		return err
	}
	b, _ = servers[0].Layout.ReadBackupInfo(b.ID)
	env.Out.Result(servers[0].Name, map[string]any{"backup_id": b.ID, "status": string(st), "error": status.Nullable(b.ErrorMessage())})
	switch st {
	case catalog.StatusDone:
		env.Out.Info("Backup %s of server %s: DONE (every WAL file it needs is archived)", b.ID, servers[0].Name)
	case catalog.StatusWaitingForWALs:
		env.Out.Info("Backup %s of server %s: WAITING_FOR_WALS (%s not archived yet)", b.ID, servers[0].Name, b.EndWAL())
	default:
		env.Out.Error("Backup %s of server %s: %s (%s)", b.ID, servers[0].Name, st, b.ErrorMessage())
		return &clikit.ExitError{Code: clikit.ExitFailure}
	}
	return nil
}
