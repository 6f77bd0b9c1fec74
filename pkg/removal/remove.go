package removal

import (
	"context"
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/server"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/retention"
)

// Remover removes backups of one server as Barman does, `delete` one at
// a time and the retention policy several at once: each backup under its
// locks, after Barman's checks (keep annotation, minimum_redundancy) and
// the pre delete hook scripts, with the WAL files only it needed (the
// wal_delete hook scripts around each file), then the post delete hook
// scripts.
//
// Every backup of the batch is first taken out of the catalogue (renamed
// away atomically), then xlog.db is rewritten once without their WAL
// files, then the files are unlinked: a crash leaves, at worst, WAL files
// that are not catalogued, never a half-deleted backup that looks valid
// nor a catalogued WAL file that is gone.
//
// The xlogdb lock is held only while xlog.db is read, and while it is
// rewritten and the files unlinked; never while a hook script runs, as
// the archiver waits for that lock to catalogue what arrives. What keeps
// two removers from deciding from the same catalogue (both passing
// minimum_redundancy, say) is the server's delete lock, held throughout.
type Remover struct {
	s     *server.Server
	hooks *hooks.Runner
	out   report.Reporter
	log   *slog.Logger
	// report is set when the retention policy removes the backups.
	report *retention.Report
}

// removal is one backup on its way out.
type removal struct {
	id      string
	b       *catalog.BackupInfo
	hookEnv map[string]string
	locks   []*lock.Lock
	trash   string
	wals    []catalog.WALEntry
	purge   bool // WAL files go (Barman lists them, even none)
	start   time.Time
	err     error
}

// New returns the remover of server s: hooks runs its delete and
// wal_delete hook scripts, out gets the messages Barman prints, log the
// details.
func New(s *server.Server, hooks *hooks.Runner, out report.Reporter, log *slog.Logger) *Remover {
	return &Remover{s: s, hooks: hooks, out: out, log: log}
}

// ForRetention returns a copy of r that removes the backups rep judged
// OBSOLETE, with the retention policy's checks and messages.
func (r *Remover) ForRetention(rep *retention.Report) *Remover {
	cp := *r
	cp.report = rep
	return &cp
}

// Remove removes the backups ids, in that order, and returns how many
// it removed. Each one it cannot remove is reported.
func (r *Remover) Remove(ctx context.Context, ids []string) int {
	var held []*removal
	defer func() {
		for _, rm := range held {
			for _, lk := range rm.locks {
				lk.Unlock()
			}
		}
	}()
	for _, id := range ids {
		if rm := r.lock(ctx, id); rm != nil {
			held = append(held, rm)
		}
	}
	if len(held) == 0 {
		return 0
	}
	dl, err := r.deleteLock(ctx, "delete")
	if err != nil {
		r.out.Error("%v", err)
		return 0
	}
	defer dl.Unlock()
	sim, err := r.simulation(ctx)
	if err != nil {
		r.out.Error("%v", err)
		return 0
	}
	var out []*removal
	for _, rm := range held {
		if r.takeOut(ctx, sim, rm) {
			out = append(out, rm)
		}
	}
	r.finish(ctx, out)
	n := 0
	for _, rm := range out {
		if rm.err == nil {
			n++
		}
	}
	return n
}

// deleteLock takes the server's delete lock, which serialises the
// processes removing its backups or WAL files (delete, the retention
// policy, the purge after a first backup): each decides from the
// catalogue and xlog.db as it read them.
func (r *Remover) deleteLock(ctx context.Context, purpose string) (*lock.Lock, error) {
	return lock.Acquire(ctx, lock.File(r.s.LockDir, r.s.Name, "delete"), purpose, archive.LockTimeout)
}

// withXlogDB runs f holding the server's xlogdb lock: f reads or
// rewrites xlog.db and runs no hook script.
func (r *Remover) withXlogDB(ctx context.Context, purpose string, f func() error) error {
	xl, err := lock.Acquire(ctx, lock.File(r.s.LockDir, r.s.Name, "xlogdb"), purpose, archive.LockTimeout)
	if err != nil {
		return err
	}
	defer xl.Unlock()
	return f()
}

// lock takes backup id's locks; nil when another process holds one.
func (r *Remover) lock(ctx context.Context, id string) *removal {
	name := fmt.Sprintf("backup %s of server %s", id, r.s.Name)
	lk, err := lock.Acquire(ctx, backups.BackupLockFile(r.s.LockDir, r.s.Name, id), "delete", 0)
	if err != nil {
		r.lockError(err, "Another process is holding the lock for "+name+".")
		return nil
	}
	rlk, err := lock.Acquire(ctx, backups.RecoverLockFile(r.s.LockDir, r.s.Name, id), "delete", 0)
	if err != nil {
		lk.Unlock()
		r.lockError(err, "Skipping delete of "+name+": a recovery from it is running.")
		return nil
	}
	return &removal{id: id, locks: []*lock.Lock{lk, rlk}}
}

func (r *Remover) lockError(err error, busy string) {
	var le *lock.LockedError
	switch {
	case errors.As(err, &le) && r.report != nil:
		r.out.Warning("%s The retention policy removes it at a later run.", busy)
		return
	case errors.As(err, &le):
		r.out.Error("%s", busy)
		return
	}
	r.out.Error("%v", err)
}

// simulation reads the catalogue and xlog.db again, under the locks:
// another process may have changed them since they were first read.
func (r *Remover) simulation(ctx context.Context) (*backups.Simulation, error) {
	l := r.s.Layout
	cat, err := backups.Load(l)
	if err != nil {
		return nil, err
	}
	var entries []catalog.WALEntry
	err = r.withXlogDB(ctx, "delete", func() (err error) {
		entries, err = l.ReadXlogDB()
		return err
	})
	if err != nil {
		return nil, err
	}
	sim := backups.NewSimulation(cat, entries, !r.s.Backup.Exclusive)
	for _, name := range sim.WAL.Bad() {
		r.out.Error("%s", &backups.BadWALNameError{Name: name, Server: r.s.Name})
	}
	return sim, nil
}

// takeOut checks that the backup may go, runs the pre delete hook
// scripts, takes the backup out of the catalogue and decides its WAL
// files; false when it stays.
func (r *Remover) takeOut(ctx context.Context, sim *backups.Simulation, rm *removal) bool {
	cat := sim.Catalogue()
	if rm.b = cat.Get(rm.id); rm.b == nil {
		r.out.Error("%s", &backups.UnknownError{Ref: rm.id, Server: r.s.Name})
		return false
	}
	rm.hookEnv = deleteHookEnv(cat, rm.b)
	ready := func() error {
		pre := map[string]string{"BARMAN_ERROR": rm.b.ErrorMessage()}
		for k, v := range rm.hookEnv {
			pre[k] = v
		}
		if err := r.hooks.Pre(ctx, "delete", pre); err != nil {
			return err
		}
		rm.start = time.Now()
		var err error
		rm.trash, err = backups.MoveToTrash(cat.Layout, rm.b.ID)
		if err == nil {
			r.log.Info("backup taken out of the catalogue", "server", r.s.Name, "backup", rm.b.ID, "trash", rm.trash)
		}
		return err
	}
	var skip *backups.SkipError
	var err error
	if r.report != nil {
		var st retention.Step
		st, err = retention.Next(r.report, sim, rm.b, ready)
		if st.Skip != "" {
			r.out.Warning("%s", st.Skip)
			return false
		}
		rm.wals, rm.purge = st.WALs, st.Purge
	} else if err = cat.Deletable(rm.b, r.s.Retention.MinimumRedundancy); errors.As(err, &skip) {
		r.out.Warning("%s", skip.Msg)
		return false
	} else if err == nil {
		if err = ready(); err == nil {
			rm.wals, rm.purge, err = sim.Remove(rm.b, false)
		}
	}
	if err != nil {
		r.out.Error("Failure deleting backup %s for server %s.\n%v", rm.b.ID, r.s.Name, err)
		r.hooks.Post(ctx, "delete", rm.hookEnv, err.Error())
		return false
	}
	return true
}

// deleteHookEnv is the environment of the delete hook scripts, with the
// backup's neighbours before it goes.
func deleteHookEnv(cat *backups.Catalogue, b *catalog.BackupInfo) map[string]string {
	return map[string]string{
		"BARMAN_BACKUP_DIR": cat.Layout.BackupPath(b.ID), "BARMAN_BACKUP_ID": b.ID,
		"BARMAN_BACKUP_INFO_PATH": cat.Layout.FindBackupInfo(b.ID),
		"BARMAN_PREVIOUS_ID":      backups.IDOf(cat.Previous(b.ID)), "BARMAN_NEXT_ID": backups.IDOf(cat.Next(b.ID)),
		"BARMAN_STATUS": string(b.Status()),
	}
}

// finish runs the pre wal_delete hook scripts (a file a retry script
// keeps stays), rewrites xlog.db once without the removed files and
// unlinks them, then, backup by backup, runs the post wal_delete hook
// scripts, removes its directory and runs the post delete hook scripts.
func (r *Remover) finish(ctx context.Context, out []*removal) {
	var wals []catalog.WALEntry
	for _, rm := range out {
		rm.wals = r.preWALHooks(ctx, rm.wals)
		wals = append(wals, rm.wals...)
	}
	l := r.s.Layout
	warnings, xlogErr := r.dropWALs(ctx, l, "delete", wals)
	if xlogErr != nil {
		r.out.Error("cannot rewrite %s: %v; the WAL files of the removed backups stay archived", l.XlogDBPath(), xlogErr)
	}
	for _, rm := range out {
		rm.err = r.finishOne(ctx, l, rm, xlogErr == nil, warnings)
		msg := rm.b.ErrorMessage()
		if rm.err != nil {
			r.out.Error("Failure deleting backup %s for server %s.\n%v", rm.b.ID, r.s.Name, rm.err)
			msg = rm.err.Error()
		}
		r.hooks.Post(ctx, "delete", rm.hookEnv, msg)
		if rm.err == nil {
			// As Barman does: the backup is gone, nobody has a reason to
			// lock it any more, and a process that raced us finds no
			// backup once it holds the lock.
			for _, lk := range rm.locks {
				os.Remove(lk.Path)
			}
		}
	}
}

// finishOne reports the backup's WAL files (when they are gone from
// xlog.db and unlinked) with their post hook scripts, and removes its
// directory. warnings are the files that could not be unlinked.
func (r *Remover) finishOne(ctx context.Context, l *catalog.Layout, rm *removal, gone bool, warnings map[string]string) error {
	if r.report != nil {
		r.out.Info("Enforcing retention policy: removing backup %s for server %s", rm.b.ID, r.s.Name)
	}
	r.out.Info("Deleting backup %s for server %s", rm.b.ID, r.s.Name)
	if rm.purge {
		r.out.Info("Delete associated WAL segments:")
		if gone {
			r.postWALHooks(ctx, rm.wals, warnings, func(name string) { r.out.Info("\t%s", name) })
		}
	}
	if err := backups.EmptyTrash(l, rm.trash); err != nil {
		return fmt.Errorf("%w\nPlease manually remove the '%s' directory", err, rm.trash)
	}
	r.out.Info("Deleted backup %s (start time: %s, elapsed time: %s)", rm.b.ID, backups.Ctime(rm.start), backups.Duration(time.Since(rm.start)))
	return nil
}

// walEnv is the environment of the wal_delete hook scripts.
func (r *Remover) walEnv(e catalog.WALEntry) map[string]string {
	return map[string]string{
		"BARMAN_SEGMENT": e.Name, "BARMAN_FILE": r.s.Layout.WALPath(e.Name),
		"BARMAN_SIZE": fmt.Sprint(e.Size), "BARMAN_TIMESTAMP": e.TimeText, "BARMAN_COMPRESSION": e.Compression,
	}
}

// preWALHooks runs the pre wal_delete hook scripts of each file and
// returns the files that go: one whose retry script stops (exit 63) stays.
func (r *Remover) preWALHooks(ctx context.Context, wals []catalog.WALEntry) []catalog.WALEntry {
	var out []catalog.WALEntry
	for _, e := range wals {
		if r.hooks.Pre(ctx, "wal_delete", r.walEnv(e)) == nil {
			out = append(out, e)
		}
	}
	return out
}

// dropWALs rewrites xlog.db without wals and unlinks them, holding the
// xlogdb lock. xlog.db is read again: the archiver may have added files
// since it was read to decide. It returns the warning of each file that
// could not be unlinked; on an error, xlog.db is as it was and nothing is
// unlinked.
func (r *Remover) dropWALs(ctx context.Context, l *catalog.Layout, purpose string, wals []catalog.WALEntry) (map[string]string, error) {
	if len(wals) == 0 {
		return nil, nil
	}
	drop := make(map[string]bool, len(wals))
	for _, e := range wals {
		drop[e.Name] = true
	}
	warnings := map[string]string{}
	err := r.withXlogDB(ctx, purpose, func() error {
		entries, err := l.ReadXlogDB()
		if err != nil {
			return err
		}
		keep := slices.DeleteFunc(entries, func(e catalog.WALEntry) bool { return drop[e.Name] })
		if err := l.WriteXlogDB(keep); err != nil {
			return err
		}
		for _, e := range wals {
			if err := backups.RemoveWAL(l, e.Name); err != nil {
				warnings[e.Name] = fmt.Sprintf("Ignoring deletion of WAL file %s for server %s: %v", e.Name, r.s.Name, err)
			}
		}
		return nil
	})
	return warnings, err
}

// postWALHooks reports each removed file (its warning when it could not
// be unlinked), runs its post wal_delete hook scripts and calls done with
// its name.
func (r *Remover) postWALHooks(ctx context.Context, wals []catalog.WALEntry, warnings map[string]string, done func(name string)) {
	for _, e := range wals {
		msg := warnings[e.Name]
		if msg != "" {
			r.out.Warning("%s", msg)
		}
		r.hooks.Post(ctx, "wal_delete", r.walEnv(e), msg)
		done(e.Name)
	}
}

// PurgeBefore removes the WAL files archived before backup b (history
// files stay), with the wal_delete hook scripts around each, and returns
// their names.
func (r *Remover) PurgeBefore(ctx context.Context, b *catalog.BackupInfo) ([]string, error) {
	dl, err := r.deleteLock(ctx, "backup")
	if err != nil {
		return nil, err
	}
	defer dl.Unlock()
	l := r.s.Layout
	var wals []catalog.WALEntry
	err = r.withXlogDB(ctx, "backup", func() error {
		entries, err := l.ReadXlogDB()
		if err != nil {
			return err
		}
		wals = backups.NewWALIndex(entries).Take(backups.WALRemoval{Remove: true, Until: b})
		return nil
	})
	if err != nil {
		return nil, err
	}
	wals = r.preWALHooks(ctx, wals)
	warnings, err := r.dropWALs(ctx, l, "backup", wals)
	if err != nil {
		return nil, err
	}
	var names []string
	r.postWALHooks(ctx, wals, warnings, func(name string) { names = append(names, name) })
	return names, nil
}
