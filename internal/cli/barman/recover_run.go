package barman

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/server"
	"io"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/restore"
	"github.com/gobarman/barman/pkg/sshcmd"
)

// recoverRun is one run of recover.
type recoverRun struct {
	env     *Env
	ctx     context.Context // the copy's: cancelled when a step of it fails
	c       *RecoverCmd
	s       *server.Server
	cat     *backups.Catalogue
	entries []catalog.WALEntry
	b       *catalog.BackupInfo
	target  recovery.Target
	ssh     *sshcmd.Command // nil: local
	dest    string
	mapping restore.Mapping
	jobs    int
	getWAL  bool
	delta   bool
	hooks   *hooks.Runner
	start   time.Time

	// filled as it goes, for the summary
	copied   restore.Stats
	wal      *recovery.Result
	walDir   string
	restoreC string
}

// Run recovers the backup into the destination.
func (c *RecoverCmd) Run(env *Env) error {
	r := &recoverRun{env: env, ctx: env.Ctx, c: c, start: time.Now()}
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	r.s = servers[0]
	return r.run()
}

func (r *recoverRun) run() error {
	target, warnings, err := r.c.target()
	if err != nil {
		return clikit.WithHint(err, "see 'barman recover --help'")
	}
	r.target = target
	for _, w := range warnings {
		r.env.Out.Warning("%s", w)
	}
	// As Barman does: archive what is waiting first, so that the
	// catalogue is current. A busy or failing archiver is not fatal.
	if err := archiveWAL(r.env, r.s, 30*time.Second); err != nil {
		r.env.Out.Warning("archiving the waiting WAL files of %s first: %v", r.s.Name, err)
	}
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
	if err := r.setup(); err != nil {
		return err
	}
	lk, err := lock.Acquire(r.env.Ctx, backups.RecoverLockFile(r.env.Cfg.Global.Get("barman_lock_directory"), r.s.Name, r.b.ID), "recover", 0)
	if err != nil {
		var le *lock.LockedError
		if errors.As(err, &le) {
			return clikit.WithHint(fmt.Errorf("backup %s of server %s is in use: %w", r.b.ID, r.s.Name, err),
				"wait for the other recovery (or delete) to finish, then run recover again")
		}
		return err
	}
	defer lk.Unlock()
	if err := r.checkDestination(); err != nil {
		return err
	}
	r.hooks = &hooks.Runner{Scripts: r.s.Section, Server: r.s.Name, ConfigFile: r.env.Cfg.MainFile, Version: clikit.Version(), Log: r.env.Log}
	if err := r.hooks.Pre(r.env.Ctx, "recovery", r.hookEnv()); err != nil {
		return err
	}
	err = r.recover()
	r.hooks.Post(r.env.Ctx, "recovery", r.hookEnv(), errText(err))
	if err != nil {
		return err
	}
	r.summary()
	return nil
}

// pickBackup resolves the backup ID; "auto" picks the newest backup that
// ends before the target time or LSN (or the latest one).
func (r *recoverRun) pickBackup() (*catalog.BackupInfo, error) {
	if r.c.Backup != "auto" {
		b, err := r.cat.Resolve(r.c.Backup)
		if err != nil {
			return nil, clikit.WithHint(err, "'barman list-backups %s' lists the backups", r.s.Name)
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
	return nil, clikit.WithHint(fmt.Errorf("no backup of server %s ends before %s", r.s.Name, r.target),
		"'barman list-backups %s' lists the backups and their end times", r.s.Name)
}

// reaches says why backup b cannot reach the target (nil if it can).
func (r *recoverRun) reaches(b *catalog.BackupInfo) error {
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
func (r *recoverRun) checkBackup() error {
	switch st := r.b.Status(); st {
	case catalog.StatusDone:
	case catalog.StatusWaitingForWALs:
		r.env.Out.Warning("backup %s is WAITING_FOR_WALS: the WAL it needs may not all be archived yet", r.b.ID)
	default:
		return clikit.WithHint(fmt.Errorf("backup %s of server %s is %s, not DONE: it cannot be recovered", r.b.ID, r.s.Name, st),
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
		return clikit.WithHint(err, "%s", hint)
	}
	return nil
}

// setup works out the destination, the tablespace locations and the
// options from the command line and the configuration.
func (r *recoverRun) setup() error {
	var err error
	if r.c.RemoteSSH != "" {
		if r.ssh, err = sshcmd.Parse(r.c.RemoteSSH); err != nil {
			return err
		}
		if r.c.networkCompression(r.s) {
			r.ssh = r.ssh.With("Compression=yes")
		}
		if !filepath.IsAbs(r.c.Dest) {
			return fmt.Errorf("destination %q must be an absolute path on the remote host", r.c.Dest)
		}
		r.dest = filepath.Clean(r.c.Dest)
	} else {
		if strings.Contains(r.c.Dest, ":") {
			return clikit.WithHint(fmt.Errorf("destination %q contains ':'", r.c.Dest),
				"to recover on another host use --remote-ssh-command \"ssh postgres@HOST\" and a plain path")
		}
		if r.dest, err = filepath.Abs(r.c.Dest); err != nil {
			return err
		}
	}
	opts := r.s.Recovery.Options
	r.getWAL, r.delta = r.c.useGetWAL(opts), r.c.useDelta(opts)
	r.jobs = r.c.Jobs
	if r.jobs <= 0 {
		r.jobs = max(r.s.Recovery.ParallelJobs, min(runtime.NumCPU(), 4))
	}
	reloc, err := r.c.relocations()
	if err != nil {
		return err
	}
	r.mapping = restore.Mapping{Dest: r.dest, Tablespaces: map[uint32]string{}}
	known := map[string]bool{}
	for _, ts := range r.b.Tablespaces() {
		loc := ts.Location
		if l, ok := reloc[ts.Name]; ok {
			loc = l
		}
		r.mapping.Tablespaces[ts.OID] = loc
		known[ts.Name] = true
	}
	for name := range reloc {
		if !known[name] {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
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

func (r *recoverRun) hookEnv() map[string]string {
	ts := map[string]string{}
	for _, t := range r.b.Tablespaces() {
		ts[t.Name] = r.mapping.Tablespaces[t.OID]
	}
	return map[string]string{
		"BARMAN_BACKUP_DIR": r.cat.Layout.BackupPath(r.b.ID), "BARMAN_BACKUP_ID": r.b.ID,
		"BARMAN_DESTINATION_DIRECTORY": r.dest, "BARMAN_TABLESPACES": jsonText(ts),
		"BARMAN_REMOTE_COMMAND": r.c.RemoteSSH, "BARMAN_RECOVER_OPTIONS": jsonText(r.optionsMap()),
		"BARMAN_STATUS": string(r.b.Status()), "BARMAN_PREVIOUS_ID": backups.IDOf(r.cat.Previous(r.b.ID)),
		"BARMAN_NEXT_ID": backups.IDOf(r.cat.Next(r.b.ID)),
	}
}

// optionsMap lists the target and options given, for hooks and JSON.
func (r *recoverRun) optionsMap() map[string]any {
	m := map[string]any{}
	add := func(k string, v any, set bool) {
		if set {
			m[k] = v
		}
	}
	c := r.c
	add("target_time", c.TargetTime, c.TargetTime != "")
	add("target_xid", c.TargetXID, c.TargetXID != "")
	add("target_lsn", c.TargetLSN, c.TargetLSN != "")
	add("target_name", c.TargetName, c.TargetName != "")
	add("target_immediate", true, c.TargetImmediate)
	add("exclusive", true, c.Exclusive)
	add("target_tli", c.TargetTLI, c.TargetTLI != "")
	add("target_action", r.target.Action, r.target.Action != "")
	add("standby_mode", true, c.StandbyMode)
	add("get_wal", true, r.getWAL)
	add("delta_restore", true, r.delta)
	return m
}

// walSource reads archived WAL decompressed (archive.Archive.Reader).
type walSource func(name string) (io.ReadCloser, error)

func (w walSource) Open(name string) (io.ReadCloser, error) { return w(name) }

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
