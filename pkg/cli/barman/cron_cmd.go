package barman

import (
	"errors"

	"github.com/gobarman/barman/pkg/lock"
)

// CronCmd is `barman cron`: the maintenance run, every minute from cron.
type CronCmd struct {
	KeepDescriptors bool `name:"keep-descriptors" help:"Accepted for compatibility (barman runs the archiver in process)."`
}

// Run archives the WAL of every active server, one server at a time,
// under the global cron lock; a server whose archiver is already running
// (another cron) is skipped.
func (c *CronCmd) Run(env *Env) error {
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
	for _, s := range env.Cfg.Servers {
		if !s.Bool("active") {
			continue
		}
		env.Out.Info("Starting WAL archiving for server %s", s.Name)
		err := archiveWAL(env, s, 0)
		if errors.As(err, &le) {
			env.Out.Info("WAL archiving of server %s is already running (pid %d)", s.Name, le.PID)
			continue
		}
		if err != nil {
			failed = err
		}
		if err := checkWaitingBackups(env, s); err != nil {
			failed = err
		}
	}
	return failed
}
