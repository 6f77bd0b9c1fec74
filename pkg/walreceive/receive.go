package walreceive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/walname"
	"github.com/jackc/pgx/v5/pgconn"
)

// Options configure a receiver.
type Options struct {
	Server   string // the barman server, for messages
	Conninfo string // streaming connection string (replication=true is added)
	AppName  string // application_name (streaming_archiver_name)
	Slot     string // replication slot; "" streams without one
	// CreateSlot creates the slot when it does not exist
	// (create_slot = auto); otherwise a missing slot is a FatalError.
	CreateSlot bool
	Dir        string // streaming_wals_directory
	// Synchronous forces the mode; nil decides it from the server's
	// synchronous_standby_names on each connection.
	Synchronous *bool
	// StatusInterval is how often the positions are reported when nothing
	// else made a report (10 s when zero, as wal_receiver_status_interval).
	StatusInterval time.Duration
	// RetryInterval is the wait before connecting again (5 s when zero).
	RetryInterval time.Duration
	// HaveHistory says whether a timeline's history file is already
	// archived, so that it is not fetched again; nil: never.
	HaveHistory func(tli uint32) bool
	Log         report.Reporter
	// Streaming, if set, is called with the position and mode each time
	// streaming starts (after connecting or switching timeline).
	Streaming func(Start)
}

// Start describes a streaming start.
type Start struct {
	LSN         walname.LSN
	Timeline    uint32
	Synchronous bool
	SystemID    uint64
}

// FatalError is an error that connecting again does not cure.
type FatalError struct {
	Err    error
	Advice string // what to do, for the user
}

func (e *FatalError) Error() string { return e.Err.Error() }
func (e *FatalError) Unwrap() error { return e.Err }
func (e *FatalError) Hint() string  { return e.Advice }

func fatal(hint, format string, args ...any) error {
	return &FatalError{Err: fmt.Errorf(format, args...), Advice: hint}
}

func (o *Options) defaults() {
	if o.StatusInterval <= 0 {
		o.StatusInterval = 10 * time.Second
	}
	if o.RetryInterval <= 0 {
		o.RetryInterval = 5 * time.Second
	}
	if o.Log == nil {
		o.Log = report.Discard
	}
	if o.AppName == "" {
		o.AppName = "barman_receive_wal"
	}
}

// Run receives WAL until ctx is done (then it returns nil, with what was
// received durable) or a FatalError. Other failures (a lost connection, a
// restarting server, a full disk) are reported and retried.
func Run(ctx context.Context, opt Options) error {
	opt.defaults()
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return fatal("check streaming_wals_directory", "create streaming directory of server %s: %w", opt.Server, err)
	}
	for {
		err := Once(ctx, opt)
		if ctx.Err() != nil {
			return nil
		}
		var fe *FatalError
		if errors.As(err, &fe) {
			return err
		}
		opt.Log.Warning("receive-wal of server %s: %v; connecting again in %s", opt.Server, err, opt.RetryInterval)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(opt.RetryInterval):
		}
	}
}

// Once connects and receives until the connection ends; it returns nil
// only when ctx is done.
func Once(ctx context.Context, opt Options) error {
	opt.defaults()
	conn, err := postgres.ReplicationConnect(ctx, opt.Conninfo, opt.AppName, "streaming_conninfo")
	if err != nil {
		if settingsError(err) {
			return &FatalError{Err: fmt.Errorf("server %s: %w", opt.Server, err), Advice: hintOf(err)}
		}
		return err
	}
	defer closeConn(conn)
	stop := context.AfterFunc(ctx, func() { conn.Conn().Close() })
	defer stop()
	r := &receiver{opt: opt, conn: conn}
	err = r.run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// settingsError reports whether a connection failure needs the DBA:
// authentication, privileges, or a server with no WAL sender at all
// (max_wal_senders = 0, as wal_level = minimal requires). A server that
// is down or has all its senders busy is worth another try.
func settingsError(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "28000", "28P01", "42501":
		return true
	case "53300":
		return strings.Contains(pgErr.Message, "(currently 0)")
	}
	return false
}

func hintOf(err error) string {
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

func closeConn(conn *pgconn.PgConn) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn.Close(ctx)
}

// receiver is one connection's work.
type receiver struct {
	opt     Options
	conn    *pgconn.PgConn
	sys     system
	segSize uint64
	sync    bool
}

func (r *receiver) run(ctx context.Context) error {
	var err error
	if r.sys, err = identifySystem(ctx, r.conn); err != nil {
		return err
	}
	if r.segSize, err = segmentSize(ctx, r.conn); err != nil {
		return err
	}
	if r.sync, err = r.synchronous(ctx); err != nil {
		return err
	}
	sl, err := r.checkSlot(ctx)
	if err != nil {
		return err
	}
	pos, tli, err := r.startPosition(ctx, sl)
	if err != nil {
		return err
	}
	for {
		if err := r.fetchHistory(ctx, tli); err != nil {
			return err
		}
		if r.opt.Streaming != nil {
			r.opt.Streaming(Start{LSN: pos, Timeline: tli, Synchronous: r.sync, SystemID: r.sys.ID})
		}
		mode := "asynchronous"
		if r.sync {
			mode = "synchronous"
		}
		r.opt.Log.Info("receive-wal of server %s: streaming from %s on timeline %d (%s)", r.opt.Server, pos, tli, mode)
		err := r.stream(ctx, pos, tli)
		var end *endOfTimeline
		if !errors.As(err, &end) {
			return r.explain(err, pos, tli)
		}
		r.opt.Log.Info("receive-wal of server %s: timeline %d ended, following timeline %d from %s", r.opt.Server, tli, end.Timeline, end.Start)
		if end.Timeline <= tli {
			return fmt.Errorf("the server ended timeline %d and named timeline %d as the next one", tli, end.Timeline)
		}
		tli = end.Timeline
		pos = end.Start - walname.LSN(uint64(end.Start)%r.segSize) // from the beginning of the segment, as pg_receivewal
	}
}

// explain turns the server's refusals into errors that say what to do.
func (r *receiver) explain(err error, pos walname.LSN, tli uint32) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	reset := fmt.Sprintf("run 'barman receive-wal --reset %s' to restart from the server's position (the WAL in between must come from archive_command or is missing: take a new backup)", r.opt.Server)
	switch {
	case pgErr.Code == "58P01" || strings.Contains(pgErr.Message, "has already been removed"):
		return &FatalError{Err: fmt.Errorf("server %s no longer has the WAL at %s on timeline %d that streaming resumes from: %w", r.opt.Server, pos, tli, err), Advice: reset}
	case strings.Contains(pgErr.Message, "is not in this server's history"), strings.Contains(pgErr.Message, "ahead of the WAL flush position"):
		return &FatalError{Err: fmt.Errorf("server %s cannot stream from %s on timeline %d, the position of %s: %w", r.opt.Server, pos, tli, r.opt.Dir, err), Advice: reset}
	case pgErr.Code == "55006" || strings.Contains(pgErr.Message, "is active for PID"):
		return fmt.Errorf("replication slot %q of server %s is in use by another connection (a receive-wal that died is released after wal_sender_timeout): %w", r.opt.Slot, r.opt.Server, err)
	}
	return err
}

// synchronous decides the mode: forced by the options, else whether the
// application name is in synchronous_standby_names (as Barman decides it;
// "*" counts too, since the server then waits for barman as well).
func (r *receiver) synchronous(ctx context.Context) (bool, error) {
	if r.opt.Synchronous != nil {
		return *r.opt.Synchronous, nil
	}
	v, err := show(ctx, r.conn, "synchronous_standby_names")
	if err != nil {
		return false, err
	}
	return postgres.IsSynchronous(v, r.opt.AppName), nil
}

// checkSlot makes sure the slot exists (creating it when asked) and is
// physical.
func (r *receiver) checkSlot(ctx context.Context) (slot, error) {
	if r.opt.Slot == "" {
		return slot{}, nil
	}
	sl, err := readSlot(ctx, r.conn, r.opt.Slot)
	if err != nil {
		return slot{}, err
	}
	if !sl.Exists {
		if !r.opt.CreateSlot {
			return slot{}, fatal(fmt.Sprintf("run 'barman receive-wal --create-slot %s', or set create_slot = auto", r.opt.Server),
				"replication slot '%s' doesn't exist on server %s", r.opt.Slot, r.opt.Server)
		}
		r.opt.Log.Info("Creating replication slot '%s'", r.opt.Slot)
		if err := createSlot(ctx, r.conn, r.opt.Slot); err != nil {
			return slot{}, err
		}
		return readSlot(ctx, r.conn, r.opt.Slot)
	}
	if !sl.Physical {
		return slot{}, fatal("set slot_name to a physical slot, or drop this one", "replication slot '%s' of server %s is a logical slot", r.opt.Slot, r.opt.Server)
	}
	return sl, nil
}

// startPosition decides where streaming starts: after what the directory
// holds, else the slot's restart_lsn, else the server's current position;
// always at the beginning of a segment.
func (r *receiver) startPosition(ctx context.Context, sl slot) (walname.LSN, uint32, error) {
	p, err := findPosition(r.opt.Dir)
	if err != nil {
		return 0, 0, err
	}
	if !p.Found {
		lsn, tli := r.sys.XLogPos, r.sys.Timeline
		if sl.RestartLSN != 0 {
			lsn = sl.RestartLSN
			if sl.RestartTLI != 0 {
				tli = sl.RestartTLI
			}
		}
		lsn -= walname.LSN(uint64(lsn) % r.segSize)
		if tli < r.sys.Timeline {
			if tli, err = r.timelineAt(ctx, tli, lsn); err != nil {
				return 0, 0, err
			}
		}
		return lsn, tli, nil
	}
	if id, ok, err := systemOf(p.Path); err == nil && ok && id != r.sys.ID {
		return 0, 0, fatal(fmt.Sprintf("move the files of %s aside (they belong to another cluster) or fix streaming_conninfo", r.opt.Dir),
			"%s comes from the cluster with system identifier %d, but server %s streams from the cluster %d", p.Path, id, r.opt.Server, r.sys.ID)
	}
	lsn, err := p.Name.StartLSN(r.segSize)
	if err != nil {
		return 0, 0, fatal("check wal_segment_size", "%s: %w", p.Path, err)
	}
	if !p.Partial {
		next, err := p.Name.Next(r.segSize)
		if err != nil {
			return 0, 0, fatal("", "%s: %w", p.Path, err)
		}
		lsn, _ = next.StartLSN(r.segSize)
	}
	tli := p.Name.Timeline
	reset := fmt.Sprintf("run 'barman receive-wal --reset %s' once you checked that streaming_conninfo points to the right server", r.opt.Server)
	if tli > r.sys.Timeline {
		return 0, 0, fatal(reset, "%s is on timeline %d, ahead of the timeline %d of server %s", p.Path, tli, r.sys.Timeline, r.opt.Server)
	}
	if tli < r.sys.Timeline {
		if tli, err = r.timelineAt(ctx, tli, lsn); err != nil {
			return 0, 0, err
		}
	}
	if lsn > r.sys.XLogPos+walname.LSN(r.segSize) {
		return 0, 0, fatal(reset, "%s is ahead of the current WAL position %s of server %s", p.Path, r.sys.XLogPos, r.opt.Server)
	}
	return lsn, tli, nil
}

// timelineAt finds the timeline that holds lsn among the ancestors of the
// server's timeline, starting from timeline from.
func (r *receiver) timelineAt(ctx context.Context, from uint32, lsn walname.LSN) (uint32, error) {
	_, content, err := timelineHistory(ctx, r.conn, r.sys.Timeline)
	if err != nil {
		return 0, err
	}
	hist, err := backups.ParseHistory(bytes.NewReader(content), r.sys.Timeline)
	if err != nil {
		return 0, err
	}
	seen := false
	for _, h := range hist {
		if h.Parent == from {
			seen = true
		}
		if seen && lsn < h.Switchpoint {
			return h.Parent, nil
		}
	}
	if !seen {
		return 0, fatal(fmt.Sprintf("run 'barman receive-wal --reset %s' if the server was replaced", r.opt.Server),
			"timeline %d of %s is not in the history of timeline %d of server %s", from, r.opt.Dir, r.sys.Timeline, r.opt.Server)
	}
	return r.sys.Timeline, nil
}

// fetchHistory writes the history file of tli into the directory when it
// is not there nor archived.
func (r *receiver) fetchHistory(ctx context.Context, tli uint32) error {
	if tli <= 1 {
		return nil
	}
	name := walname.HistoryName(tli)
	path := filepath.Join(r.opt.Dir, name)
	if _, err := os.Stat(path); err == nil {
		return nil
	}
	if r.opt.HaveHistory != nil && r.opt.HaveHistory(tli) {
		return nil
	}
	got, content, err := timelineHistory(ctx, r.conn, tli)
	if err != nil {
		return err
	}
	if got != name {
		return fmt.Errorf("TIMELINE_HISTORY %d sent %q", tli, got)
	}
	if err := fsutil.WriteFileAtomic(path, content, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	r.opt.Log.Info("receive-wal of server %s: received %s", r.opt.Server, name)
	return nil
}
