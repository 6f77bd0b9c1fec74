package barman

import (
	"errors"
	"fmt"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/lock"
)

// KeepCmd is `barman keep SERVER BACKUP_ID --target full|standalone`,
// `--status` or `--release`.
type KeepCmd struct {
	Target  string `enum:",full,standalone" default:"" help:"Keep the backup whatever the retention policy: full (the backup and every WAL file from it on stay: point-in-time recovery from it stays possible) or standalone (the backup and only the WAL files it needs to be consistent)."`
	Status  bool   `short:"s" help:"Print the keep status of the backup: full, standalone or nokeep."`
	Release bool   `short:"r" help:"Remove the keep annotation: the backup follows the retention policy again."`
	Server  string `arg:"" help:"Server name."`
	Backup  string `arg:"" name:"backup_id" help:"Backup ID, or latest/last, oldest/first, or a backup name."`
}

// lockWait is how long keep waits for a backup's lock.
const lockWait = 10 * time.Second

// Validate wants exactly one of --target, --status and --release.
func (c *KeepCmd) Validate() error {
	n := 0
	for _, set := range []bool{c.Target != "", c.Status, c.Release} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errors.New("one of the arguments -r/--release -s/--status --target is required")
	}
	return nil
}

// Run prints, adds or removes the keep annotation, under the backup's
// lock (a delete cannot run meanwhile).
func (c *KeepCmd) Run(env *Env) error {
	s, cat, _, err := openCatalogue(env, c.Server)
	if err != nil {
		return err
	}
	b := resolveBackup(env, cat, c.Backup)
	if b == nil {
		return nil
	}
	if c.Status {
		st, err := cat.KeepStatus(b.ID)
		if err != nil {
			return err
		}
		env.Out.Line("Server %s:", s.Name)
		env.Out.Line("\tKeep: %s", st)
		env.Out.Result(s.Name, map[string]any{"keep_status": map[string]string{"description": "Keep", "message": st}})
		return nil
	}
	lockDir := env.Cfg.Global.Get("barman_lock_directory")
	lk, err := lock.Acquire(env.Ctx, backups.BackupLockFile(lockDir, s.Name, b.ID), "keep", lockWait)
	if err != nil {
		return fmt.Errorf("backup %s of server %s: %w", b.ID, s.Name, err)
	}
	defer lk.Unlock()
	if c.Release {
		if err := cat.ReleaseKeep(b.ID); err != nil {
			return err
		}
		env.Out.Info("Backup %s of server %s is no longer kept: it follows the retention policy", b.ID, s.Name)
		return nil
	}
	if err := cat.SetKeep(b, c.Target); err != nil {
		env.Out.Error("%s", err)
		return nil
	}
	env.Out.Info("Backup %s of server %s is kept (%s): the retention policy will not remove it", b.ID, s.Name, c.Target)
	return nil
}
