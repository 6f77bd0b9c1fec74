package barman

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/cli/clikit"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/lock"
)

// DeleteCmd is `barman delete SERVER BACKUP_ID`.
type DeleteCmd struct {
	Server string `arg:"" help:"Server name."`
	Backup string `arg:"" name:"backup_id" help:"Backup ID, or latest/last, oldest/first, last-failed, or a backup name."`
}

// deletion is one run of delete.
type deletion struct {
	env     *Env
	s       *config.Section
	cat     *backups.Catalogue
	b       *catalog.BackupInfo
	lockDir string
	hooks   *hooks.Runner
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
	d := &deletion{env: env, s: s, cat: cat, b: b, lockDir: env.Cfg.Global.Get("barman_lock_directory"),
		hooks: &hooks.Runner{Scripts: s, Server: s.Name, ConfigFile: env.Cfg.MainFile, Version: clikit.Version(), Log: env.Log}}
	if !d.locked() {
		env.Out.Error("Cannot delete backup (%s %s)", s.Name, b.ID)
	}
	return nil
}

// locked takes the backup's locks and deletes it.
func (d *deletion) locked() bool {
	if d.running() {
		return false
	}
	name := fmt.Sprintf("backup %s of server %s", d.b.ID, d.s.Name)
	lk, err := lock.Acquire(d.env.Ctx, backups.BackupLockFile(d.lockDir, d.s.Name, d.b.ID), "delete", 0)
	if err != nil {
		d.lockError(err, "Another process is holding the lock for "+name+".")
		return false
	}
	defer lk.Unlock()
	rlk, err := lock.Acquire(d.env.Ctx, backups.RecoverLockFile(d.lockDir, d.s.Name, d.b.ID), "delete", 0)
	if err != nil {
		d.lockError(err, "Skipping delete of "+name+": a recovery from it is running.")
		return false
	}
	defer rlk.Unlock()
	if !d.reload() {
		return false
	}
	if err := d.cat.Deletable(d.b, d.s.Int("minimum_redundancy")); err != nil {
		d.env.Out.Warning("%s", err)
		return false
	}
	if !d.run() {
		return false
	}
	// As Barman does: the backup is gone, nobody has a reason to lock it
	// any more, and a process that raced us finds no backup once it holds
	// the lock.
	os.Remove(lk.Path)
	os.Remove(rlk.Path)
	return true
}

// reload reads the catalogue again under the backup's locks: another
// process may have changed it since it was first read.
func (d *deletion) reload() bool {
	cat, err := backups.Load(d.cat.Layout)
	if err != nil {
		d.env.Out.Error("%v", err)
		return false
	}
	b := cat.Get(d.b.ID)
	if b == nil {
		d.env.Out.Error("%s", &backups.UnknownError{Ref: d.b.ID, Server: d.s.Name})
		return false
	}
	d.cat, d.b = cat, b
	return true
}

func (d *deletion) lockError(err error, busy string) {
	var le *lock.LockedError
	if errors.As(err, &le) {
		d.env.Out.Error("%s", busy)
		return
	}
	d.env.Out.Error("%v", err)
}

// running reports (as an error) the oldest backup when it is being taken:
// the server's backup lock is held and it is STARTED or EMPTY.
func (d *deletion) running() bool {
	lk, err := lock.Acquire(d.env.Ctx, lock.File(d.lockDir, d.s.Name, "backup"), "delete", 0)
	if err == nil {
		lk.Unlock()
		return false
	}
	st := d.b.Status()
	if d.cat.Oldest() == d.b && (st == catalog.StatusStarted || st == catalog.StatusEmpty) {
		d.env.Out.Error("Cannot delete a running backup (%s %s)", d.s.Name, d.b.ID)
		return true
	}
	return false
}

// hookEnv is the environment of the delete hook scripts.
func (d *deletion) hookEnv() map[string]string {
	return map[string]string{
		"BARMAN_BACKUP_DIR": d.cat.Layout.BackupPath(d.b.ID), "BARMAN_BACKUP_ID": d.b.ID,
		"BARMAN_BACKUP_INFO_PATH": d.cat.Layout.FindBackupInfo(d.b.ID),
		"BARMAN_PREVIOUS_ID":      backups.IDOf(d.cat.Previous(d.b.ID)), "BARMAN_NEXT_ID": backups.IDOf(d.cat.Next(d.b.ID)),
		"BARMAN_STATUS": string(d.b.Status()),
	}
}

// run runs the hook scripts around the deletion proper.
func (d *deletion) run() bool {
	env := d.hookEnv()
	pre := map[string]string{"BARMAN_ERROR": d.b.ErrorMessage()}
	for k, v := range env {
		pre[k] = v
	}
	err := d.hooks.Pre(d.env.Ctx, "delete", pre)
	if err == nil {
		err = d.remove()
	}
	msg := d.b.ErrorMessage()
	if err != nil {
		d.env.Out.Error("Failure deleting backup %s for server %s.\n%v", d.b.ID, d.s.Name, err)
		msg = err.Error()
	}
	d.hooks.Post(d.env.Ctx, "delete", env, msg)
	return err == nil
}

// remove takes the backup out of the catalogue, removes the WAL files
// that went with it, then its files.
func (d *deletion) remove() error {
	start := time.Now()
	d.env.Out.Info("Deleting backup %s for server %s", d.b.ID, d.s.Name)
	plan, err := d.cat.PlanWALRemoval(d.b, concurrentBackup(d.s), false)
	if err != nil {
		return err
	}
	trash, err := backups.MoveToTrash(d.cat.Layout, d.b.ID)
	if err != nil {
		return err
	}
	d.env.Log.Info("backup taken out of the catalogue", "server", d.s.Name, "backup", d.b.ID, "trash", trash)
	if plan.Remove {
		d.env.Out.Info("Delete associated WAL segments:")
		if err := d.purgeWALs(plan); err != nil {
			return err
		}
	}
	if err := backups.EmptyTrash(d.cat.Layout, trash); err != nil {
		return fmt.Errorf("%w\nPlease manually remove the '%s' directory", err, trash)
	}
	d.env.Out.Info("Deleted backup %s (start time: %s, elapsed time: %s)", d.b.ID, backups.Ctime(start), backups.Duration(time.Since(start)))
	return nil
}

// concurrentBackup reports whether the server takes concurrent backups
// (Barman's default; exclusive only when asked, and never with postgres).
func concurrentBackup(s *config.Section) bool {
	var opts []string
	for _, o := range strings.Split(s.Get("backup_options"), ",") {
		opts = append(opts, strings.TrimSpace(o))
	}
	exclusive := slices.Contains(opts, "exclusive_backup") && !slices.Contains(opts, "concurrent_backup")
	return !exclusive || s.Get("backup_method") == "postgres"
}

// purgeWALs removes the planned WAL files under the xlogdb lock, running
// the wal_delete hook scripts around each; a pre retry script that stops
// (exit 63) keeps its file.
func (d *deletion) purgeWALs(plan backups.WALRemoval) error {
	com, err := archive.New(d.env.Cfg, d.s, d.env.Log).OpenCommitter(d.env.Ctx)
	if err != nil {
		return err
	}
	defer com.Close()
	l := d.cat.Layout
	entries, err := l.ReadXlogDB()
	if err != nil {
		return err
	}
	_, candidates, bad := plan.Select(entries)
	for _, name := range bad {
		d.env.Out.Error("%s", &backups.BadWALNameError{Name: name, Server: d.s.Name})
	}
	var remove []catalog.WALEntry
	for _, e := range candidates {
		if d.hooks.Pre(d.env.Ctx, "wal_delete", d.walEnv(e)) == nil {
			remove = append(remove, e)
		}
	}
	errs, err := backups.PurgeWALs(l, entries, remove)
	if err != nil {
		return err
	}
	for i, e := range remove {
		msg := ""
		if errs[i] != nil {
			msg = fmt.Sprintf("Ignoring deletion of WAL file %s for server %s: %v", e.Name, d.s.Name, errs[i])
			d.env.Out.Warning("%s", msg)
		}
		d.hooks.Post(d.env.Ctx, "wal_delete", d.walEnv(e), msg)
		d.env.Out.Info("\t%s", e.Name)
	}
	return nil
}

// walEnv is the environment of the wal_delete hook scripts.
func (d *deletion) walEnv(e catalog.WALEntry) map[string]string {
	return map[string]string{
		"BARMAN_SEGMENT": e.Name, "BARMAN_FILE": d.cat.Layout.WALPath(e.Name),
		"BARMAN_SIZE": fmt.Sprint(e.Size), "BARMAN_TIMESTAMP": e.TimeText, "BARMAN_COMPRESSION": e.Compression,
	}
}
