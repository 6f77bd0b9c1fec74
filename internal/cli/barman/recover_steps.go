package barman

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/recoveryconf"
	"github.com/gobarman/barman/pkg/restore"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/throttle"
	"github.com/gobarman/barman/pkg/walname"
)

// recover copies the data, prepares the WAL and writes the recovery
// configuration.
func (r *recoverRun) recover() error {
	out := r.env.Out
	where := "local"
	if r.ssh != nil {
		where = "remote"
	}
	out.Info("Starting %s restore for server %s using backup %s", where, r.s.Name, r.b.ID)
	out.Info("Destination directory: %s", r.dest)
	if r.target.IsPITR() {
		out.Info("Doing PITR. %s", r.target)
	}
	if r.ssh == nil && !r.delta && !r.getWAL {
		// Locally, the WAL is decompressed (CPU) while the files are
		// copied (mostly disk): one failing stops the other. Not with
		// --delta-restore, which removes what the backup does not have.
		g, ctx := errgroup.WithContext(r.ctx)
		r.ctx = ctx
		g.Go(r.copyData)
		g.Go(r.prepareWAL)
		err := g.Wait()
		r.ctx = r.env.Ctx
		if err != nil {
			return err
		}
		return r.configure()
	}
	if err := r.copyData(); err != nil {
		return err
	}
	if err := r.prepareWAL(); err != nil {
		return err
	}
	return r.configure()
}

// copyData restores the backup's files, tablespaces relocated.
func (r *recoverRun) copyData() error {
	out := r.env.Out
	out.Info("Copying the base backup.")
	for _, ts := range r.b.Tablespaces() {
		out.Info("\t%d, %s, %s", ts.OID, ts.Name, r.mapping.Tablespaces[ts.OID])
	}
	dir := r.cat.Layout.BackupPath(r.b.ID)
	recs, verified, err := restore.Records(dir, r.mapping.Tablespaces)
	if err != nil {
		return err
	}
	if !verified {
		out.Warning("backup %s has no manifest (%s): its files are copied without checksum verification", r.b.ID, restore.ManifestName)
	}
	opt := restore.Options{Jobs: r.jobs, Delta: r.delta, Replace: map[string][]byte{}, Throttle: throttle.New(int64(r.c.bwlimit(r.s)) * 1024),
		TablespaceThrottle: map[uint32]*throttle.Throttle{}}
	limits := r.s.Backup.TablespaceLimits
	for _, ts := range r.b.Tablespaces() {
		if kbps := limits[ts.Name]; kbps > 0 {
			opt.TablespaceThrottle[ts.OID] = throttle.New(kbps * 1024)
			out.Info("Tablespace %s: bandwidth limit %d KiB/s (tablespace_bandwidth_limit)", ts.Name, kbps)
		}
	}
	var oids []uint32
	for oid := range r.mapping.Tablespaces {
		oids = append(oids, oid)
	}
	sort.Slice(oids, func(i, j int) bool { return oids[i] < oids[j] })
	for _, rec := range recs {
		if rec.Path == "data/tablespace_map" && rec.Kind == stream.FileRegular {
			opt.Replace[rec.Path] = r.mapping.TablespaceMap(oids)
		}
	}
	var done, total atomic.Int64
	opt.Progress = func(d, t int64) { done.Store(d); total.Store(t) }
	stop := showProgress(r.env.Stderr, func() (int64, int64) { return done.Load(), total.Load() })
	if r.ssh == nil {
		r.copied, err = restore.Local(r.ctx, dir, recs, r.mapping, opt)
	} else {
		r.copied, err = restore.Remote(r.ctx, r.ssh, dir, recs, r.mapping, opt)
	}
	stop()
	if err != nil {
		return err
	}
	// As Barman does: PostgreSQL's backup_manifest describes the backup,
	// not the recovered cluster.
	if _, err := os.Stat(filepath.Join(dir, "data", "backup_manifest")); err == nil {
		return r.rename("backup_manifest", "backup_manifest."+r.b.ID)
	}
	return nil
}

// rename renames a file of the destination's data directory.
func (r *recoverRun) rename(from, to string) error {
	if r.ssh == nil {
		return os.Rename(filepath.Join(r.dest, from), filepath.Join(r.dest, to))
	}
	_, err := restore.RunScript(r.ctx, r.ssh, "mv "+shellQuote(path.Join(r.dest, from))+" "+shellQuote(path.Join(r.dest, to)))
	return err
}

// prepareWAL copies the WAL recovery needs (unless get-wal fetches it on
// demand), and decides restore_command.
func (r *recoverRun) prepareWAL() error {
	out := r.env.Out
	if r.getWAL {
		r.restoreC = r.getWALCommand()
		return nil
	}
	a := r.s.Archive(r.env.Log)
	tli, _ := r.b.Timeline()
	begin, _ := r.b.BeginXlog()
	end, _ := r.b.EndXlog()
	open := a.Reader(r.entries)
	histories, archived := r.archiveContents(open)
	chain, err := recovery.ResolveChain(tli, begin, r.target.TLI, histories)
	if err != nil {
		return err
	}
	pitr := r.target.IsPITR() || len(chain) > 1 || r.c.StandbyMode
	sinkDir := filepath.Join(r.dest, "pg_wal")
	if pitr {
		sinkDir = r.c.StagingWALDir
		if sinkDir == "" {
			sinkDir = filepath.Join(r.dest, "barman_wal")
		}
	}
	r.walDir = sinkDir
	var sink recovery.Sink
	if r.ssh == nil {
		sink = &recovery.LocalSink{Dir: sinkDir, Done: !pitr}
	} else {
		sink = recovery.NewRemoteSink(r.ctx, r.ssh, sinkDir, !pitr)
	}
	out.Info("Copying required WAL segments.")
	plan := recovery.Plan{Server: r.s.Name, SegSize: r.b.XlogSegmentSize(), BeginWAL: r.b.BeginWAL(), EndWAL: r.b.EndWAL(),
		EndLSN: end, Chain: chain, Archived: archived, Target: r.target, Jobs: r.jobs}
	if v, _ := r.b.Version(); v/10000 != 15 {
		plan.NoScan = true
		out.Warning("WAL records of PostgreSQL %d are not read by this barman: all the archived WAL is copied and the target is checked by PostgreSQL only", v/10000)
	}
	res, err := recovery.Prepare(r.ctx, plan, walSource(open), sink)
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	r.wal = res
	if err != nil {
		return err
	}
	if res.Dropped {
		out.Warning("%s", res.Warning)
		r.target = recovery.Target{TLI: r.target.TLI}
	}
	if pitr {
		r.restoreC = "cp " + shellQuote(sinkDir) + "/%f %p"
	}
	return nil
}

// archiveContents reads the catalogue: the parsed history files by
// timeline, and every archived name with its time.
func (r *recoverRun) archiveContents(open walSource) (map[uint32][]backups.ChildTimeline, map[string]time.Time) {
	histories := map[uint32][]backups.ChildTimeline{}
	archived := map[string]time.Time{}
	for _, e := range r.entries {
		sec := int64(e.Time)
		archived[e.Name] = time.Unix(sec, int64((e.Time-float64(sec))*1e9))
		n, err := walname.Parse(e.Name)
		if err != nil || n.Kind != walname.History {
			continue
		}
		rc, err := open(e.Name)
		if err != nil {
			r.env.Out.Warning("cannot read %s: %v", e.Name, err)
			continue
		}
		h, err := backups.ParseHistory(rc, n.Timeline)
		rc.Close()
		if err != nil {
			r.env.Out.Warning("%v", err)
			continue
		}
		histories[n.Timeline] = h
	}
	return histories, archived
}

// getWALCommand is restore_command when WAL is fetched on demand.
func (r *recoverRun) getWALCommand() string {
	if r.ssh != nil {
		host, _ := os.Hostname()
		user := r.env.Cfg.Global.Get("barman_user")
		cmd := fmt.Sprintf("barman-wal-ingest pull --ssh %s %s %%f %%p", shellQuote("ssh "+user+"@"+host), r.s.Name)
		if !r.c.StandbyMode {
			cmd = strings.Replace(cmd, "pull ", "pull -P ", 1)
		}
		return cmd
	}
	cmd := shellQuote(selfPath())
	if r.env.Cfg.MainFile != "" {
		cmd += " -c " + shellQuote(r.env.Cfg.MainFile)
	}
	return cmd + " get-wal -P " + shellQuote(r.s.Name) + " %f > %p"
}

// configure writes the recovery settings and disarms the dangerous ones.
func (r *recoverRun) configure() error {
	out := r.env.Out
	version, _ := r.b.Version()
	t := r.target
	o := recoveryconf.Options{PGVersion: version, RestoreCommand: r.restoreC, TargetTLI: t.TLI,
		Exclusive: t.Exclusive, StandbyMode: r.c.StandbyMode, ConfFilename: r.c.RecoveryConf,
		Stamp: time.Now().Format("2006-01-02 15:04:05-07:00")}
	switch t.Kind() {
	case "time":
		o.TargetTime = recovery.FormatTime(t.Time)
	case "xid":
		o.TargetXID = fmt.Sprint(t.XID)
	case "lsn":
		o.TargetLSN = t.LSN.String()
	case "name":
		o.TargetName = t.Name
	case "immediate":
		o.TargetImmediate = true
	}
	if t.Kind() != "" {
		o.TargetAction = t.Action
	}
	if r.getWAL {
		o.Header = fmt.Sprintf("# The 'barman get-wal' command must run as '%s' user", r.env.Cfg.Global.Get("barman_user"))
	} else if r.restoreC != "" && !r.c.StandbyMode {
		o.RecoveryEndCommand = "rm -fr " + shellQuote(r.walDir)
	}
	dataDir := filepath.Join(r.cat.Layout.BackupPath(r.b.ID), "data")
	files := map[string][]byte{}
	names := []string{recoveryconf.PostgresqlConf, recoveryconf.AutoConf, recoveryconf.RecoveryConf,
		recoveryconf.RecoverySignal, recoveryconf.StandbySignal}
	if o.ConfFilename != "" {
		names = append(names, o.ConfFilename)
	}
	for _, name := range names {
		if b, err := os.ReadFile(filepath.Join(dataDir, name)); err == nil {
			files[name] = b
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	if o.RestoreCommand != "" || t.IsPITR() || o.StandbyMode {
		out.Info("Generating recovery configuration")
	}
	plan, err := recoveryconf.Prepare(o, files)
	if err != nil {
		return err
	}
	out.Info("Identify dangerous settings in destination directory.")
	if err := r.applyConf(plan); err != nil {
		return err
	}
	var report strings.Builder
	plan.WriteReport(&report)
	for _, line := range strings.Split(strings.TrimRight(report.String(), "\n"), "\n") {
		if line != "" || report.Len() > 0 {
			out.Info("%s", line)
		}
	}
	r.missingConfigFiles()
	if r.getWAL {
		out.Warning("'get-wal' is in the specified 'recovery_options'. Before you start up the PostgreSQL server, please review the %s file inside the target directory. Make sure that 'restore_command' can be executed by the PostgreSQL user.", confName(o))
	}
	return nil
}

func confName(o recoveryconf.Options) string {
	if o.PGVersion > 0 && o.PGVersion < 120000 {
		return recoveryconf.RecoveryConf
	}
	if o.ConfFilename != "" {
		return o.ConfFilename
	}
	return recoveryconf.AutoConf
}

// applyConf writes the plan's files into the destination.
func (r *recoverRun) applyConf(plan recoveryconf.Plan) error {
	names := func(m map[string][]byte) []string {
		var out []string
		for n := range m {
			out = append(out, n)
		}
		sort.Strings(out)
		return out
	}
	if r.ssh == nil {
		for _, n := range names(plan.Origin) {
			if err := fsutil.WriteFileAtomic(filepath.Join(r.dest, n+".origin"), plan.Origin[n], 0o600); err != nil {
				return err
			}
		}
		for _, n := range names(plan.Write) {
			if err := fsutil.WriteFileAtomic(filepath.Join(r.dest, n), plan.Write[n], 0o600); err != nil {
				return err
			}
		}
		for _, n := range plan.Remove {
			if err := os.Remove(filepath.Join(r.dest, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	sink := recovery.NewRemoteSink(r.ctx, r.ssh, r.dest, false)
	now := time.Now()
	for _, n := range names(plan.Origin) {
		if err := sink.Put(n+".origin", plan.Origin[n], now); err != nil {
			return err
		}
	}
	for _, n := range names(plan.Write) {
		if err := sink.Put(n, plan.Write[n], now); err != nil {
			return err
		}
	}
	if err := sink.Close(); err != nil {
		return err
	}
	if len(plan.Remove) > 0 {
		var script strings.Builder
		script.WriteString("rm -f")
		for _, n := range plan.Remove {
			script.WriteString(" " + shellQuote(path.Join(r.dest, n)))
		}
		_, err := restore.RunScript(r.ctx, r.ssh, script.String())
		return err
	}
	return nil
}

// missingConfigFiles lists the configuration files that live outside
// PGDATA on the backed-up server: a backup does not have them.
func (r *recoverRun) missingConfigFiles() {
	pgdata := r.b.PGData()
	var missing []string
	for _, f := range []string{r.b.ConfigFile(), r.b.HBAFile(), r.b.IdentFile()} {
		if f == "" || pgdata == "" {
			continue
		}
		if rel, err := filepath.Rel(pgdata, f); err != nil || strings.HasPrefix(rel, "..") {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		r.env.Out.Warning("these configuration files are outside the data directory of the backed-up server, so the backup does not have them: %s. Copy them into %s (or point the server at them) before starting it", strings.Join(missing, ", "), r.dest)
	}
}

// selfPath is how the recovered server can run this barman: the path it
// was started with (a symlink stays a symlink), else the executable.
func selfPath() string {
	if strings.Contains(os.Args[0], "/") {
		if p, err := filepath.Abs(os.Args[0]); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(os.Args[0]); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	if p, err := os.Executable(); err == nil {
		return p
	}
	return "barman"
}
