package recoverjob

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/restore"
	"github.com/gobarman/barman/pkg/server"
	"github.com/gobarman/barman/pkg/sshcmd"
)

// Job recovers the backups of one server.
type Job struct {
	s     *server.Server
	hooks *hooks.Runner
	out   report.Reporter
	log   *slog.Logger
}

// New returns the recovery job of server s: hooks runs its recovery hook
// scripts (nil: none), out gets the messages Barman prints, log the
// details.
func New(s *server.Server, hooks *hooks.Runner, out report.Reporter, log *slog.Logger) *Job {
	if out == nil {
		out = report.Discard
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Job{s: s, hooks: hooks, out: out, log: log}
}

// run is one recovery.
type run struct {
	*Job
	o       Options
	set     settings
	cat     *backups.Catalogue
	entries []catalog.WALEntry
	b       *catalog.BackupInfo
	target  recovery.Target
	ssh     *sshcmd.Command // nil: local
	dest    string
	mapping restore.Mapping
	start   time.Time

	// filled as it goes, for the summary
	copied   restore.Stats
	wal      *recovery.Result
	walDir   string
	restoreC string
}

// Run recovers the backup o.BackupID into o.Dest, from the destination
// checks to the recovery configuration, and returns what it did.
func (j *Job) Run(ctx context.Context, o Options) (*Result, error) {
	r := &run{Job: j, o: o, start: time.Now()}
	target, warnings, err := o.Target.Parse()
	if err != nil {
		return nil, err
	}
	r.target = target
	for _, w := range warnings {
		j.out.Warning("%s", w)
	}
	// As Barman does: archive what is waiting first, so that the
	// catalogue is current. A busy or failing archiver is not fatal.
	if o.ArchiveFirst != nil {
		if err := o.ArchiveFirst(ctx); err != nil {
			j.out.Warning("archiving the waiting WAL files of %s first: %v", j.s.Name, err)
		}
	}
	if err := r.open(); err != nil {
		return nil, err
	}
	lk, err := lock.Acquire(ctx, backups.RecoverLockFile(j.s.LockDir, j.s.Name, r.b.ID), "recover", 0)
	if err != nil {
		var le *lock.LockedError
		if errors.As(err, &le) {
			return nil, withHint(fmt.Errorf("backup %s of server %s is in use: %w", r.b.ID, j.s.Name, err),
				"wait for the other recovery (or delete) to finish, then run recover again")
		}
		return nil, err
	}
	defer lk.Unlock()
	if err := r.checkDestination(ctx); err != nil {
		return nil, err
	}
	if j.hooks != nil {
		if err := j.hooks.Pre(ctx, "recovery", r.hookEnv()); err != nil {
			return nil, err
		}
	}
	err = r.recover(ctx)
	if j.hooks != nil {
		j.hooks.Post(ctx, "recovery", r.hookEnv(), errText(err))
	}
	if err != nil {
		return nil, err
	}
	return r.result(), nil
}

// open reads the catalogue, picks the backup and works out where its
// files go.
func (r *run) open() error {
	var err error
	if r.cat, err = backups.Load(r.s.Layout); err != nil {
		return err
	}
	if r.entries, err = r.cat.Layout.ReadXlogDB(); err != nil {
		return err
	}
	if r.b, err = r.pickBackup(); err != nil {
		return err
	}
	if err := r.checkBackup(); err != nil {
		return err
	}
	return r.setup()
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// pickBackup resolves the backup ID; "auto" picks the newest backup that
// ends before the target time or LSN (or the latest one).
func (r *run) pickBackup() (*catalog.BackupInfo, error) {
	if r.o.BackupID != "auto" {
		b, err := r.cat.Resolve(r.o.BackupID)
		if err != nil {
			return nil, withHint(err, "'barman list-backups %s' lists the backups", r.s.Name)
		}
		return b, nil
	}
	switch r.target.Kind() {
	case "xid", "name", "immediate":
		return nil, fmt.Errorf("backup ID 'auto' works with --target-time, --target-lsn or no target; give a backup ID with --target-%s", r.target.Kind())
	}
	usable := r.cat.Filter(catalog.StatusDone, catalog.StatusWaitingForWALs)
	for i := len(usable) - 1; i >= 0; i-- {
		b := usable[i]
		if r.reaches(b) == nil {
			return b, nil
		}
	}
	return nil, withHint(fmt.Errorf("no backup of server %s ends before %s", r.s.Name, r.target),
		"'barman list-backups %s' lists the backups and their end times", r.s.Name)
}

// reaches says why backup b cannot reach the target (nil if it can).
func (r *run) reaches(b *catalog.BackupInfo) error {
	t := r.target
	if !t.Time.IsZero() {
		if end, ok := b.EndTime(); ok && t.Time.Before(end) {
			return fmt.Errorf("the target time %s is before the end of backup %s (%s): a recovery from it cannot stop there",
				recovery.FormatTime(t.Time), b.ID, recovery.FormatTime(end))
		}
	}
	if t.HasLSN {
		if end, ok := b.EndXlog(); ok && t.LSN < end {
			return fmt.Errorf("the target LSN %s is before the end of backup %s (%s): a recovery from it cannot stop there", t.LSN, b.ID, end)
		}
	}
	return nil
}

// checkBackup refuses a backup that cannot be recovered or cannot reach
// the target, suggesting an older one.
func (r *run) checkBackup() error {
	switch st := r.b.Status(); st {
	case catalog.StatusDone:
	case catalog.StatusWaitingForWALs:
		r.out.Warning("backup %s is WAITING_FOR_WALS: the WAL it needs may not all be archived yet", r.b.ID)
	default:
		return withHint(fmt.Errorf("backup %s of server %s is %s, not DONE: it cannot be recovered", r.b.ID, r.s.Name, st),
			"pick a DONE backup from 'barman list-backups %s'", r.s.Name)
	}
	if err := r.reaches(r.b); err != nil {
		hint := "no older backup can reach it either; pick another target"
		usable := r.cat.Filter(catalog.StatusDone, catalog.StatusWaitingForWALs)
		for i := len(usable) - 1; i >= 0; i-- {
			if usable[i].ID < r.b.ID && r.reaches(usable[i]) == nil {
				hint = fmt.Sprintf("recover from an older backup, e.g. %s, or use backup ID 'auto'", usable[i].ID)
				break
			}
		}
		return withHint(err, "%s", hint)
	}
	return nil
}

// setup works out the destination, the tablespace locations and the
// options from the command line and the configuration.
func (r *run) setup() error {
	var err error
	r.set = r.o.settings(r.s)
	if r.o.RemoteSSH != "" {
		if r.ssh, err = sshcmd.Parse(r.o.RemoteSSH); err != nil {
			return err
		}
		if r.set.compress {
			r.ssh = r.ssh.With("Compression=yes")
		}
		if !filepath.IsAbs(r.o.Dest) {
			return fmt.Errorf("destination %q must be an absolute path on the remote host", r.o.Dest)
		}
		r.dest = filepath.Clean(r.o.Dest)
	} else {
		if strings.Contains(r.o.Dest, ":") {
			return withHint(fmt.Errorf("destination %q contains ':'", r.o.Dest),
				"to recover on another host use --remote-ssh-command \"ssh postgres@HOST\" and a plain path")
		}
		if r.dest, err = filepath.Abs(r.o.Dest); err != nil {
			return err
		}
	}
	r.mapping = restore.Mapping{Dest: r.dest, Tablespaces: map[uint32]string{}}
	known := map[string]bool{}
	for _, ts := range r.b.Tablespaces() {
		loc := ts.Location
		if l, ok := r.o.Relocate[ts.Name]; ok {
			loc = l
		}
		r.mapping.Tablespaces[ts.OID] = loc
		known[ts.Name] = true
	}
	for _, name := range slices.Sorted(maps.Keys(r.o.Relocate)) {
		if !known[name] {
			names := slices.Sorted(maps.Keys(known))
			return fmt.Errorf("--tablespace %s: backup %s has no tablespace %q (it has: %s)", name, r.b.ID, name, orNoneList(names))
		}
	}
	return nil
}

func orNoneList(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// hookEnv is the environment of the recovery hook scripts, as Barman
// gives it.
func (r *run) hookEnv() map[string]string {
	ts := map[string]string{}
	for _, t := range r.b.Tablespaces() {
		ts[t.Name] = r.mapping.Tablespaces[t.OID]
	}
	return map[string]string{
		"BARMAN_BACKUP_DIR": r.cat.Layout.BackupPath(r.b.ID), "BARMAN_BACKUP_ID": r.b.ID,
		"BARMAN_DESTINATION_DIRECTORY": r.dest, "BARMAN_TABLESPACES": jsonText(ts),
		"BARMAN_REMOTE_COMMAND": r.o.RemoteSSH, "BARMAN_RECOVER_OPTIONS": jsonText(r.optionsMap()),
		"BARMAN_STATUS": string(r.b.Status()), "BARMAN_PREVIOUS_ID": backups.IDOf(r.cat.Previous(r.b.ID)),
		"BARMAN_NEXT_ID": backups.IDOf(r.cat.Next(r.b.ID)),
	}
}

// optionsMap lists the target and options given, for hooks and JSON.
func (r *run) optionsMap() map[string]any {
	m := map[string]any{}
	add := func(k string, v any, set bool) {
		if set {
			m[k] = v
		}
	}
	t := r.o.Target
	add("target_time", t.Time, t.Time != "")
	add("target_xid", t.XID, t.XID != "")
	add("target_lsn", t.LSN, t.LSN != "")
	add("target_name", t.Name, t.Name != "")
	add("target_immediate", true, t.Immediate)
	add("exclusive", true, t.Exclusive)
	add("target_tli", t.TLI, t.TLI != "")
	add("target_action", r.target.Action, r.target.Action != "")
	add("standby_mode", true, r.o.StandbyMode)
	add("get_wal", true, r.set.getWAL)
	add("delta_restore", true, r.set.delta)
	return m
}
