package barman

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/restore"
)

// VerifyBackupCmd is `barman verify-backup SERVER BACKUP_ID` (alias verify).
type VerifyBackupCmd struct {
	Server string `arg:"" help:"Server name."`
	ID     string `arg:"" name:"backup_id" help:"Backup ID, name, or latest, oldest, last-failed."`
}

// Run re-reads every file of the backup and compares it with the
// manifest written during the copy.
func (c *VerifyBackupCmd) Run(env *Env) error {
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	l := servers[0].Layout
	cat, err := backups.Load(l)
	if err != nil {
		return err
	}
	b, err := cat.Resolve(c.ID)
	if err != nil {
		return err
	}
	dir := l.BackupPath(b.ID)
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if err != nil {
		return clikit.WithHint(fmt.Errorf("backup %s has no manifest: %w", b.ID, err), "backups taken by Barman itself have none; only backups taken by this barman can be verified")
	}
	recs, err := restore.ReadRecords(f, f.Name())
	f.Close()
	if err != nil {
		return err
	}
	bad := 0
	checked, err := restore.Verify(env.Ctx, dir, recs, func(p, problem string) {
		bad++
		env.Out.Error("%s: %s", p, problem)
	})
	if err != nil {
		return fmt.Errorf("backup %s: %w", b.ID, err)
	}
	env.Out.Result(servers[0].Name, map[string]any{"backup_id": b.ID, "files": checked, "failed": bad})
	if bad > 0 {
		return fmt.Errorf("backup %s: %d of %d files differ from the manifest", b.ID, bad, checked)
	}
	env.Out.Info("Backup %s of server %s: %d files match the manifest", b.ID, servers[0].Name, checked)
	return nil
}
