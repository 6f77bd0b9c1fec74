package barman

import (
	"context"
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/server"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/check"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/throttle"
)

var backupIDPattern = regexp.MustCompile(`^\d{8}T\d{6}$`)

// ManifestFile is the name, in base/<ID>/, of the backup's manifest: its
// backup_file records (see barman-stream(5)).
const ManifestFile = "manifest.jsonl"

// run is one backup of one server in progress.
type run struct {
	env    *Env
	cmd    *BackupCmd
	srv    *server.Server
	layout *catalog.Layout
	info   *catalog.BackupInfo
	hooks  *hooks.Runner
	prev   *catalog.BackupInfo
	start  time.Time
}

func (c *BackupCmd) backup(env *Env, s *server.Server) error {
	if err := preflight(env, s); err != nil {
		return err
	}
	l := s.Layout
	if err := l.EnsureDirs(); err != nil {
		return err
	}
	lk, err := lock.Acquire(env.Ctx, lock.File(env.Cfg.Global.Get("barman_lock_directory"), s.Name, "backup"), "backup", 0)
	if err != nil {
		var le *lock.LockedError
		if errors.As(err, &le) {
			return fmt.Errorf("another backup process is running for server %s: %w", s.Name, err)
		}
		return err
	}
	r := &run{env: env, cmd: c, srv: s, layout: l, start: time.Now(),
		hooks: &hooks.Runner{Scripts: s.Section, Server: s.Name, ConfigFile: env.Cfg.MainFile, Log: env.Log}}
	err = r.do()
	lk.Unlock()
	if err != nil {
		return err
	}
	return r.afterBackup()
}

// preflight runs the checks a backup needs, as Barman does before a backup.
func preflight(env *Env, s *server.Server) error {
	results := runChecks(env, s)
	var failed []string
	for _, r := range results {
		if !r.OK && r.Critical {
			failed = append(failed, r.Name+" ("+r.Hint+")")
		}
	}
	if check.Failed(results, true) {
		return fmt.Errorf("impossible to start the backup: %s; run 'barman check %s'", strings.Join(failed, "; "), s.Name)
	}
	return nil
}

// do creates the backup and copies it; the backup.info records each step.
func (r *run) do() error {
	if err := r.failStale(); err != nil {
		return err
	}
	if err := r.create(); err != nil {
		return err
	}
	env := r.hookEnv()
	if err := r.hooks.Pre(r.env.Ctx, "backup", env); err != nil {
		msg := "failure starting backup (Abort 'pre_backup_retry_script' retry hook script (exit 63, exit code: 63))"
		if !errors.Is(err, hooks.ErrAbortStop) {
			msg = "failure starting backup (" + err.Error() + ")"
		}
		r.fail(errors.New(msg))
		r.hooks.Post(r.env.Ctx, "backup", r.hookEnv(), msg)
		return errors.New(msg)
	}
	err := r.copyWithRetries()
	if err != nil {
		r.fail(err)
	}
	r.hooks.Post(r.env.Ctx, "backup", r.hookEnv(), errText(err))
	return err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// failStale marks as FAILED the backups left STARTED or EMPTY by a
// process that died: we hold the backup lock, so none is running.
func (r *run) failStale() error {
	backups, err := r.layout.ListBackups()
	if err != nil {
		return err
	}
	for _, b := range backups {
		if st := b.Status(); st == catalog.StatusStarted || st == catalog.StatusEmpty {
			b.SetStatus(catalog.StatusFailed)
			b.SetError("the backup process ended before the copy finished (found by the next backup)")
			if err := r.layout.WriteBackupInfo(b); err != nil {
				return err
			}
			r.env.Out.Warning("backup %s of server %s was left %s by a process that died: marked FAILED", b.ID, r.srv.Name, st)
		}
		if b.Status() == catalog.StatusDone || b.Status() == catalog.StatusWaitingForWALs {
			r.prev = b
		}
	}
	return nil
}

// create makes base/<ID> and writes backup.info with status EMPTY.
func (r *run) create() error {
	id := time.Now().Format("20060102T150405")
	for {
		if _, err := os.Stat(r.layout.BackupPath(id)); errors.Is(err, os.ErrNotExist) {
			break
		}
		time.Sleep(time.Second)
		id = time.Now().Format("20060102T150405")
	}
	if err := os.MkdirAll(r.layout.BackupPath(id), 0o755); err != nil {
		return err
	}
	r.info = catalog.NewBackupInfo(id, r.srv.Name, r.mode())
	r.info.SetBackupName(r.cmd.Name)
	if err := r.save(); err != nil {
		return err
	}
	r.env.Out.Info("Starting backup using %s method for server %s in %s", r.mode(), r.srv.Name, r.layout.BackupPath(id))
	return nil
}

func (r *run) mode() string {
	switch r.srv.Backup.Method {
	case server.Postgres:
		return "postgres"
	case server.LocalRsync:
		return "local-rsync-concurrent"
	}
	return "rsync-concurrent"
}

func (r *run) save() error { return r.layout.WriteBackupInfo(r.info) }

func (r *run) fail(err error) {
	r.info.SetStatus(catalog.StatusFailed)
	r.info.SetError(err.Error())
	if serr := r.save(); serr != nil {
		r.env.Out.Error("cannot record the failure of backup %s: %v", r.info.ID, serr)
	}
}

func (r *run) hookEnv() map[string]string {
	prev := ""
	if r.prev != nil {
		prev = r.prev.ID
	}
	return map[string]string{"BARMAN_BACKUP_DIR": r.layout.BackupPath(r.info.ID), "BARMAN_BACKUP_ID": r.info.ID,
		"BARMAN_BACKUP_INFO_PATH": r.layout.BackupInfoPath(r.info.ID), "BARMAN_PREVIOUS_ID": prev, "BARMAN_NEXT_ID": "",
		"BARMAN_STATUS": string(r.info.Status())}
}

// copyWithRetries runs the copy, again after a failure when
// basebackup_retry_times allows, each time from scratch.
func (r *run) copyWithRetries() error {
	times, sleep := r.cmd.retries(r.srv)
	for attempt := 0; ; attempt++ {
		err := r.copy()
		if err == nil || attempt >= times || r.env.Ctx.Err() != nil {
			return err
		}
		r.env.Out.Warning("copy of backup %s failed (%v): retrying in %s (%d of %d)", r.info.ID, err, sleep, attempt+1, times)
		r.clean()
		select {
		case <-r.env.Ctx.Done():
			return r.env.Ctx.Err()
		case <-time.After(sleep):
		}
	}
}

// clean removes what a failed attempt copied, keeping backup.info.
func (r *run) clean() {
	dir := r.layout.BackupPath(r.info.ID)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != "backup.info" {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// copy takes the backup with the server's method and records the result.
func (r *run) copy() error {
	dir := r.layout.BackupPath(r.info.ID)
	mf, err := os.OpenFile(filepath.Join(dir, ManifestFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer mf.Close()
	sink := &basebackup.Sink{Dir: dir, Server: r.srv.Name, BackupID: r.info.ID, Records: stream.NewWriter(mf)}
	defer sink.Close()
	stop := showProgress(r.env.Stderr, sink.Progress)
	res, err := r.transfer(r.env.Ctx, sink)
	stop()
	if err != nil {
		return err
	}
	if err := mf.Sync(); err != nil {
		return err
	}
	r.noteChanged(res.Stats.Changed)
	return r.finish(res)
}

// noteChanged reports the files that vanished, shrank or changed while
// copied: one line on the console, tar's notes in the log. They are
// normal (PostgreSQL writes during the backup; WAL replay repairs them).
func (r *run) noteChanged(notes []string) {
	if len(notes) == 0 {
		return
	}
	for _, n := range notes {
		r.env.Log.Info("file changed during the copy", "server", r.srv.Name, "backup", r.info.ID, "tar", n)
	}
	r.env.Out.Info("%d file(s) vanished, shrank or changed during the copy: normal while PostgreSQL runs, WAL replay repairs them (tar's notes are in the log)", len(notes))
}

func (r *run) transfer(ctx context.Context, sink *basebackup.Sink) (*basebackup.Result, error) {
	label := fmt.Sprintf("Barman backup %s %s", r.srv.Name, r.info.ID)
	switch r.srv.Backup.Method {
	case server.Postgres:
		return r.streamTransfer(ctx, label, sink)
	case server.Snapshot:
		return nil, fmt.Errorf("backup_method = snapshot (cloud disk snapshots) is not supported: use rsync, local-rsync or postgres")
	}
	remote, err := r.remote()
	if err != nil {
		return nil, err
	}
	prev, err := r.previous()
	if err != nil {
		return nil, err
	}
	remote.Throttle = throttle.New(int64(r.cmd.bwlimit(r.srv)) * 1024)
	limits := r.srv.Backup.TablespaceLimits
	opt := basebackup.CopyOptions{Conninfo: r.srv.Conninfo, Remote: remote, Label: label,
		Fast: r.cmd.fast(r.srv), Jobs: r.cmd.jobs(r.srv), Previous: prev, OnStart: r.started,
		KeepAlive: r.cmd.keepalive(r.srv), TablespaceLimits: map[string]*throttle.Throttle{}}
	for name, kbps := range limits {
		if kbps > 0 {
			opt.TablespaceLimits[name] = throttle.New(kbps * 1024)
			r.env.Out.Info("Tablespace %s: bandwidth limit %d KiB/s (tablespace_bandwidth_limit)", name, kbps)
		}
	}
	r.env.Out.Info("Starting backup copy via %s for %s (%d jobs)", remoteName(remote), r.info.ID, opt.Jobs)
	return basebackup.CopyBackup(ctx, opt, sink)
}
