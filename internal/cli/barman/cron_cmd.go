package barman

import (
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/backupjob"
	"github.com/gobarman/barman/pkg/server"

	"github.com/gobarman/barman/pkg/lock"
)

// CronCmd is `barman cron`: the maintenance run, every minute from cron.
type CronCmd struct {
	KeepDescriptors bool `name:"keep-descriptors" help:"Accepted for compatibility (barman runs the archiver in process)."`
	DryRun          bool `name:"dry-run" help:"Archive and remove nothing: show, server by server, the retention status of each backup and what enforcing the retention policy would remove, and why."`
}

// Run archives the WAL of every active server, promotes the backups
// whose WAL has arrived and enforces the retention policy, one server at
// a time, under the global cron lock; a server whose archiver is already
// running (another cron) is not archived.
func (c *CronCmd) Run(env *Env) error {
	if c.DryRun {
		return c.dryRun(env)
	}
	lk, err := lock.Acquire(env.Ctx, lock.File(env.Cfg.Global.Get("barman_lock_directory"), "", "cron"), "cron", 0)
	var le *lock.LockedError
	if errors.As(err, &le) {
		env.Out.Info("Another cron is running (pid %d): nothing to do", le.PID)
		return nil
	}
	if err != nil {
		return err
	}
	defer lk.Unlock()
	var failed error
	for _, sec := range env.Cfg.Servers {
		s, err := server.New(env.Cfg, sec)
		if err != nil {
			env.Out.Error("%v", err)
			failed = err
			continue
		}
		if !s.Active {
			continue
		}
		if err := cronReceiveWAL(env, s); err != nil {
			env.Out.Error("receive-wal of server %s: %v", s.Name, err)
			failed = err
		}
		env.Out.Info("Starting WAL archiving for server %s", s.Name)
		err = archiveWAL(env, s, 0)
		if errors.As(err, &le) {
			env.Out.Info("WAL archiving of server %s is already running (pid %d)", s.Name, le.PID)
			continue
		}
		if err != nil {
			failed = err
		}
		if err := backupjob.PromoteWaiting(s, env.Log, env.Out); err != nil {
			failed = err
		}
		if err := enforceRetention(env, s); err != nil {
			env.Out.Error("retention policy of server %s: %v", s.Name, err)
		}
	}
	return failed
}

// dryRun prints the retention plan of every active server.
func (c *CronCmd) dryRun(env *Env) error {
	servers, err := server.All(env.Cfg)
	if err != nil {
		return err
	}
	for _, s := range servers {
		if !s.Active {
			continue
		}
		if err := retentionDryRun(env, s); err != nil {
			return fmt.Errorf("server %s: %w", s.Name, err)
		}
	}
	return nil
}
