package barman

import (
	"github.com/gobarman/barman/pkg/server"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/lock"
)

// DeleteCmd is `barman delete SERVER BACKUP_ID`.
type DeleteCmd struct {
	Server string `arg:"" help:"Server name."`
	Backup string `arg:"" name:"backup_id" help:"Backup ID, or latest/last, oldest/first, last-failed, or a backup name."`
}

// Run deletes the backup under its locks, as Barman 3.4 does, printing
// "Cannot delete backup (SERVER ID)" and exiting 1 when it cannot.
func (c *DeleteCmd) Run(env *Env) error {
	s, cat, _, err := openCatalogue(env, c.Server)
	if err != nil {
		return err
	}
	b := resolveBackup(env, cat, c.Backup)
	if b == nil {
		return nil
	}
	if isRunning(env, s, s.LockDir, b, cat.Oldest() == b) || env.Remover(s).Remove(env.Ctx, []string{b.ID}) == 0 {
		env.Out.Error("Cannot delete backup (%s %s)", s.Name, b.ID)
	}
	return nil
}

// isRunning reports (as an error) a backup being taken: the oldest
// backup, STARTED or EMPTY, while the server's backup lock is held.
func isRunning(env *Env, s *server.Server, lockDir string, b *catalog.BackupInfo, oldest bool) bool {
	st := b.Status()
	if !oldest || st != catalog.StatusStarted && st != catalog.StatusEmpty {
		return false
	}
	lk, err := lock.Acquire(env.Ctx, lock.File(lockDir, s.Name, "backup"), "delete", 0)
	if err == nil {
		lk.Unlock()
		return false
	}
	env.Out.Error("Cannot delete a running backup (%s %s)", s.Name, b.ID)
	return true
}

// concurrentBackup reports whether the server takes concurrent backups
// (Barman's default; exclusive only when asked, and never with postgres).
func concurrentBackup(s *server.Server) bool {
	return !s.Backup.Exclusive
}
