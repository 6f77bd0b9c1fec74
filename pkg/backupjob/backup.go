package backupjob

import (
	"context"
	"errors"
	"os"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/hooks"
)

// Backup is one backup of a Job in the catalogue, from Begin on.
type Backup struct {
	job   *Job
	Info  *catalog.BackupInfo
	Dir   string              // base/<ID>
	prev  *catalog.BackupInfo // the newest DONE or WAITING_FOR_WALS backup before it
	start time.Time
}

// Begin marks FAILED the backups a dead process left behind, then
// creates base/<ID> with backup.info (status EMPTY). The caller holds the
// backup lock.
func (j *Job) Begin(ctx context.Context) (*Backup, error) {
	b := &Backup{job: j, start: time.Now()}
	if err := b.failStale(); err != nil {
		return nil, err
	}
	if err := b.create(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// failStale marks as FAILED the backups left STARTED or EMPTY by a
// process that died: we hold the backup lock, so none is running.
func (b *Backup) failStale() error {
	l, s := b.job.Server.Layout, b.job.Server
	backups, err := l.ListBackups()
	if err != nil {
		return err
	}
	for _, old := range backups {
		if st := old.Status(); st == catalog.StatusStarted || st == catalog.StatusEmpty {
			old.SetStatus(catalog.StatusFailed)
			old.SetError("the backup process ended before the copy finished (found by the next backup)")
			if err := l.WriteBackupInfo(old); err != nil {
				return err
			}
			b.job.Report.Warning("backup %s of server %s was left %s by a process that died: marked FAILED", old.ID, s.Name, st)
		}
		if old.Status() == catalog.StatusDone || old.Status() == catalog.StatusWaitingForWALs {
			b.prev = old
		}
	}
	return nil
}

// create makes base/<ID> and writes backup.info with status EMPTY. The
// ID is the time: when base/<ID> exists, it waits for the next second.
func (b *Backup) create(ctx context.Context) error {
	l, s := b.job.Server.Layout, b.job.Server
	id := time.Now().Format("20060102T150405")
	for {
		if _, err := os.Stat(l.BackupPath(id)); errors.Is(err, os.ErrNotExist) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
		id = time.Now().Format("20060102T150405")
	}
	b.Dir = l.BackupPath(id)
	if err := os.MkdirAll(b.Dir, 0o755); err != nil {
		return err
	}
	b.Info = catalog.NewBackupInfo(id, s.Name, Mode(s))
	b.Info.SetBackupName(b.job.Options.Name)
	if err := b.save(); err != nil {
		return err
	}
	b.job.Report.Info("Starting backup using %s method for server %s in %s", Mode(s), s.Name, b.Dir)
	return nil
}

func (b *Backup) save() error { return b.job.Server.Layout.WriteBackupInfo(b.Info) }

// fail records err in backup.info: status FAILED.
func (b *Backup) fail(err error) {
	b.Info.SetStatus(catalog.StatusFailed)
	b.Info.SetError(err.Error())
	if serr := b.save(); serr != nil {
		b.job.Report.Error("cannot record the failure of backup %s: %v", b.Info.ID, serr)
	}
}

func (b *Backup) result() *Result {
	return &Result{ID: b.Info.ID, Dir: b.Dir, Status: b.Info.Status(), Info: b.Info}
}

// WithHooks runs copy between the pre and post backup hooks (with their
// retry scripts). A pre hook that fails the backup marks it FAILED and
// skips the copy; the post hooks run either way, with the error.
func (b *Backup) WithHooks(ctx context.Context, copy func(context.Context) error) error {
	j := b.job
	h := j.Hooks
	if h == nil {
		h = &hooks.Runner{Scripts: j.Server.Section, Server: j.Server.Name, ConfigFile: j.ConfigFile, Log: j.log()}
	}
	if err := h.Pre(ctx, "backup", b.hookEnv()); err != nil {
		msg := "failure starting backup (Abort 'pre_backup_retry_script' retry hook script (exit 63, exit code: 63))"
		if !errors.Is(err, hooks.ErrAbortStop) {
			msg = "failure starting backup (" + err.Error() + ")"
		}
		b.fail(errors.New(msg))
		h.Post(ctx, "backup", b.hookEnv(), msg)
		return errors.New(msg)
	}
	err := copy(ctx)
	h.Post(ctx, "backup", b.hookEnv(), errText(err))
	return err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (b *Backup) hookEnv() map[string]string {
	prev := ""
	if b.prev != nil {
		prev = b.prev.ID
	}
	l := b.job.Server.Layout
	return map[string]string{"BARMAN_BACKUP_DIR": b.Dir, "BARMAN_BACKUP_ID": b.Info.ID,
		"BARMAN_BACKUP_INFO_PATH": l.BackupInfoPath(b.Info.ID), "BARMAN_PREVIOUS_ID": prev, "BARMAN_NEXT_ID": "",
		"BARMAN_STATUS": string(b.Info.Status())}
}
