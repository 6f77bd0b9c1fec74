package recoverjob

import (
	"context"
	"fmt"
	"github.com/gobarman/barman/pkg/shell"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/recovery"
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

// walSource reads archived WAL decompressed (archive.Archive.Reader).
type walSource func(name string) (io.ReadCloser, error)

func (w walSource) Open(name string) (io.ReadCloser, error) { return w(name) }

// prepareWAL copies the WAL recovery needs (unless get-wal fetches it on
// demand), and decides restore_command.
func (r *run) prepareWAL(ctx context.Context) error {
	if r.set.getWAL {
		r.restoreC = r.getWALCommand()
		return nil
	}
	a := r.s.Archive(r.log)
	tli, _ := r.b.Timeline()
	begin, _ := r.b.BeginXlog()
	end, _ := r.b.EndXlog()
	open := a.Reader(r.entries)
	histories, archived := r.archiveContents(open)
	chain, err := recovery.ResolveChain(tli, begin, r.target.TLI, histories)
	if err != nil {
		return err
	}
	pitr := r.target.IsPITR() || len(chain) > 1 || r.o.StandbyMode
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
	plan := recovery.Plan{Server: r.s.Name, SegSize: r.b.XlogSegmentSize(), BeginWAL: r.b.BeginWAL(), EndWAL: r.b.EndWAL(),
		EndLSN: end, Chain: chain, Archived: archived, Target: r.target, Jobs: r.set.jobs}
	if v, _ := r.b.Version(); v/10000 != 15 {
		plan.NoScan = true
		r.out.Warning("WAL records of PostgreSQL %d are not read by this barman: all the archived WAL is copied and the target is checked by PostgreSQL only", v/10000)
	}
	res, err := recovery.Prepare(ctx, plan, walSource(open), sink)
	if cerr := sink.Close(); err == nil {
		err = cerr
	}
	r.wal = res
	if err != nil {
		return err
	}
	if res.Dropped {
		r.out.Warning("%s", res.Warning)
		r.target = recovery.Target{TLI: r.target.TLI}
	}
	if pitr {
		r.restoreC = "cp " + shell.Quote(sinkDir) + "/%f %p"
	}
	return nil
}

// archiveContents reads the catalogue: the parsed history files by
// timeline, and every archived name with its time.
func (r *run) archiveContents(open walSource) (map[uint32][]backups.ChildTimeline, map[string]time.Time) {
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
			r.out.Warning("cannot read %s: %v", e.Name, err)
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
	return histories, archived
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
	return cmd + " get-wal -P " + shell.Quote(r.s.Name) + " %f > %p"
}
