package recoverjob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/shell"
	"github.com/gobarman/barman/pkg/walfile"
	"github.com/gobarman/barman/pkg/walname"
)

// recover copies the data, prepares the WAL and writes the recovery
// configuration.
func (r *run) recover(ctx context.Context) error {
	where := "local"
	if r.ssh != nil {
		where = "remote"
	}
	r.out.Info("Starting %s restore for server %s using backup %s", where, r.s.Name, r.b.ID)
	r.out.Info("Destination directory: %s", r.dest)
	if r.target.IsPITR() {
		r.out.Info("Doing PITR. %s", r.target)
	}
	if r.ssh == nil && !r.set.delta && !r.set.getWAL {
		// Locally, the WAL is decompressed (CPU) while the files are
		// copied (mostly disk): one failing stops the other. Not with
		// --delta-restore, which removes what the backup does not have.
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error { return r.copyData(gctx) })
		g.Go(func() error { return r.prepareWAL(gctx) })
		if err := g.Wait(); err != nil {
			return err
		}
		return r.configure(ctx)
	}
	if err := r.copyData(ctx); err != nil {
		return err
	}
	if err := r.prepareWAL(ctx); err != nil {
		return err
	}
	return r.configure(ctx)
}

// walSource opens the WAL files recovery reads (recovery.Source).
type walSource func(name string) (io.ReadCloser, error)

func (w walSource) Open(name string) (io.ReadCloser, error) { return w(name) }

// prepareWAL copies the WAL recovery needs (unless get-wal fetches it on
// demand), and decides restore_command. The WAL comes from the archive,
// then from the streaming directory: its segments not archived yet and
// the segment being received (see recovery.Plan).
func (r *run) prepareWAL(ctx context.Context) error {
	if r.set.getWAL {
		r.restoreC = r.getWALCommand()
		return nil
	}
	a := r.s.Archive(r.log)
	streamed, err := a.ListStreamed()
	if err != nil {
		return err
	}
	archived := r.archivedTimes()
	open := r.walFiles(a, archived)
	plan, err := r.walPlan(open, archived, streamed)
	if err != nil {
		return err
	}
	// The partial segment ends the WAL before its end: the server must
	// then switch to a new timeline, as an archive recovery does, so that
	// what it writes next never mixes with the WAL of the lost server.
	pitr := r.target.IsPITR() || len(plan.Chain) > 1 || r.o.StandbyMode || plan.UsesPartial()
	sinkDir := filepath.Join(r.dest, "pg_wal")
	if pitr {
		sinkDir = r.o.StagingWALDir
		if sinkDir == "" {
			sinkDir = filepath.Join(r.dest, "barman_wal")
		}
	}
	r.walDir = sinkDir
	var sink recovery.Sink
	if r.ssh == nil {
		sink = &recovery.LocalSink{Dir: sinkDir, Done: !pitr}
	} else {
		sink = recovery.NewRemoteSink(ctx, r.ssh, sinkDir, !pitr)
	}
	r.out.Info("Copying required WAL segments.")
	if v, _ := r.b.Version(); v/10000 != 15 {
		plan.NoScan = true
		r.out.Warning("WAL records of PostgreSQL %d are not read by this barman: all the archived WAL is copied and the target is checked by PostgreSQL only", v/10000)
	}
	res, err := recovery.Prepare(ctx, plan, open, sink)
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	r.wal = res
	if err != nil {
		return err
	}
	r.sayStreamed(a, res)
	if res.Dropped {
		r.out.Warning("%s", res.Warning)
		r.target = recovery.Target{TLI: r.target.TLI}
	}
	if pitr {
		r.restoreC = "cp " + shell.Quote(sinkDir) + "/%f %p"
	}
	return nil
}

// walPlan reads the history files, resolves the timelines and plans the
// WAL preparation.
func (r *run) walPlan(open walSource, archived map[string]time.Time, streamed archive.Streamed) (recovery.Plan, error) {
	tli, _ := r.b.Timeline()
	begin, _ := r.b.BeginXlog()
	end, _ := r.b.EndXlog()
	histories := r.readHistories(open, archived, streamed.Files)
	chain, err := recovery.ResolveChain(tli, begin, r.target.TLI, histories)
	if err != nil {
		return recovery.Plan{}, err
	}
	plan := recovery.Plan{Server: r.s.Name, SegSize: r.b.XlogSegmentSize(), BeginWAL: r.b.BeginWAL(), EndWAL: r.b.EndWAL(),
		EndLSN: end, Chain: chain, Archived: archived, Streamed: streamed.Files, Partial: streamed.Partial,
		Target: r.target, Jobs: r.set.jobs}
	if r.o.StandbyMode {
		plan.Partial = "" // a standby follows the WAL as it is completed, as Barman's get-wal without -P
	}
	return plan, nil
}

// archivedTimes returns every name xlog.db lists, with its time.
func (r *run) archivedTimes() map[string]time.Time {
	archived := map[string]time.Time{}
	for _, e := range r.entries {
		sec := int64(e.Time)
		archived[e.Name] = time.Unix(sec, int64((e.Time-float64(sec))*1e9))
	}
	return archived
}

// walFiles opens archived files from the archive (decompressed) and the
// others from the streaming directory, checked to be this cluster's. A
// streamed file archived meanwhile is read from the archive, and a
// partial segment completed meanwhile as its segment.
func (r *run) walFiles(a *archive.Archive, archived map[string]time.Time) walSource {
	read := a.Reader(r.entries)
	exp := walfile.Expect{SegmentSize: r.b.XlogSegmentSize()}
	if id, err := strconv.ParseUint(r.b.SystemID(), 10, 64); err == nil {
		exp.SystemID = id
	} else if e, err := a.Expect(); err == nil {
		exp.SystemID = e.SystemID
	}
	return func(name string) (io.ReadCloser, error) {
		if _, ok := archived[name]; ok {
			return read(name)
		}
		rc, err := a.OpenStreamed(name, exp)
		if errors.Is(err, fs.ErrNotExist) {
			return read(strings.TrimSuffix(name, ".partial"))
		}
		return rc, err
	}
}

// readHistories parses the history files of the archive and the
// streaming directory, by timeline.
func (r *run) readHistories(open walSource, lists ...map[string]time.Time) map[uint32][]backups.ChildTimeline {
	histories := map[uint32][]backups.ChildTimeline{}
	for _, names := range lists {
		for name := range names {
			n, err := walname.Parse(name)
			if err != nil || n.Kind != walname.History || histories[n.Timeline] != nil {
				continue
			}
			rc, err := open(name)
			if err != nil {
				r.out.Warning("cannot read %s: %v", name, err)
				continue
			}
			h, err := backups.ParseHistory(rc, n.Timeline)
			rc.Close()
			if err != nil {
				r.out.Warning("%v", err)
				continue
			}
			histories[n.Timeline] = h
		}
	}
	return histories
}

// sayStreamed tells what came from the streaming directory.
func (r *run) sayStreamed(a *archive.Archive, res *recovery.Result) {
	dir := a.Layout.StreamingDir()
	if n := len(res.Streamed); n > 0 {
		r.out.Info("Using %d WAL segments of %s not archived yet (%s to %s)", n, dir, res.Streamed[0], res.Streamed[n-1])
	}
	if res.Partial == "" {
		return
	}
	upTo := ""
	if res.PartialEnd != 0 {
		upTo = fmt.Sprintf(", valid WAL up to %s", res.PartialEnd)
	}
	r.out.Info("Using the partial WAL file %s as %s (the segment being received%s): PostgreSQL ends the recovery there and switches to a new timeline",
		filepath.Join(dir, res.Partial), res.Last(), upTo)
}

// getWALCommand is restore_command when WAL is fetched on demand.
func (r *run) getWALCommand() string {
	user := r.s.Config.Global.Get("barman_user")
	if r.ssh != nil {
		host, _ := os.Hostname()
		cmd := fmt.Sprintf("barman-wal-ingest pull --ssh %s %s %%f %%p", shell.Quote("ssh "+user+"@"+host), r.s.Name)
		if !r.o.StandbyMode {
			cmd = strings.Replace(cmd, "pull ", "pull -P ", 1)
		}
		return cmd
	}
	barman := r.o.BarmanPath
	if barman == "" {
		barman = "barman"
	}
	cmd := shell.Quote(barman)
	if f := r.s.Config.MainFile; f != "" {
		cmd += " -c " + shell.Quote(f)
	}
	partial := " -P"
	if r.o.StandbyMode {
		partial = "" // as Barman: a standby waits for complete segments
	}
	return cmd + " get-wal" + partial + " " + shell.Quote(r.s.Name) + " %f > %p"
}
