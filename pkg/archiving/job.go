package archiving

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gobarman/barman/pkg/lock"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/server"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/walcompress"
)

// The stage keys of the records Scan and Commit write.
const (
	ScanStage   = "ingest"
	CommitStage = "commit"
)

// Job archives the WAL of one server.
type Job struct {
	Server  *server.Server
	Archive *archive.Archive
	Hooks   *hooks.Runner
	// Stderr gets the error lines of the compression step and its custom
	// filters' standard error; nil discards them.
	Stderr io.Writer
}

// Run is the whole job: Scan | compression | Commit, in process, with the
// server's compression settings. The records of the last step go to out.
// An error in one step cancels the others and is the run's error; files
// that failed are reported as error records and the run goes on (its
// error is then a *stream.ReportedError).
func (j *Job) Run(ctx context.Context, out io.Writer) error {
	co, err := j.CompressOptions()
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	scanR, scanW := io.Pipe()
	compR, compW := io.Pipe()
	errs := make([]error, 3)
	g.Go(func() error {
		errs[0] = j.Scan(ctx, ScanOptions{Source: "all", BatchSize: -1}, scanW)
		scanW.CloseWithError(hardError(errs[0]))
		return hardError(errs[0])
	})
	g.Go(func() error {
		errs[1] = walcompress.Records(ctx, co, scanR, compW)
		compW.CloseWithError(hardError(errs[1]))
		scanR.CloseWithError(io.ErrClosedPipe)
		return hardError(errs[1])
	})
	g.Go(func() error {
		errs[2] = j.Commit(ctx, compR, out)
		compR.CloseWithError(io.ErrClosedPipe)
		return hardError(errs[2])
	})
	g.Wait()
	for _, err := range errs {
		if hardError(err) != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

// hardError is err unless it only says that some inputs failed (those
// were reported as records, and the other steps go on).
func hardError(err error) error {
	var re *stream.ReportedError
	if errors.As(err, &re) {
		return nil
	}
	return err
}

// CompressOptions are the compression step's options from the server's
// compression settings.
func (j *Job) CompressOptions() (walcompress.Options, error) {
	w := j.Server.WAL
	o := walcompress.Options{Algo: compress.None, CompressionFilter: w.CompressionFilter,
		DecompressionFilter: w.Codec.DecompressionFilter, Magic: w.Codec.Magic, Stderr: j.Stderr}
	if w.Codec.Compression == "" {
		return o, nil
	}
	algo, err := compress.Canonical(w.Codec.Compression)
	if err != nil {
		return o, fmt.Errorf("server %s: compression: %w", j.Server.Name, err)
	}
	o.Algo = algo
	level := w.CompressionLevel
	if algo == compress.Custom {
		level = ""
	}
	if o.Level, err = compress.ParseLevel(level, algo); err != nil {
		return o, fmt.Errorf("server %s: compression_level: %w", j.Server.Name, err)
	}
	return o, nil
}

// counts tallies one step's records for its summary.
type counts struct {
	start    time.Time
	files    int64
	bytes    int64
	errors   int64
	statuses map[string]int64
}

func newCounts() *counts { return &counts{start: time.Now(), statuses: map[string]int64{}} }

func (c *counts) add(r *stream.WALFile) {
	c.files++
	c.bytes += r.Size
	c.statuses[r.Status]++
}

func (c *counts) summary(server, stage string) *stream.Summary {
	exit := 0
	if c.errors > 0 {
		exit = 1
	}
	return &stream.Summary{Server: server, Stage: stage, Files: c.files, Bytes: c.bytes, Errors: c.errors,
		Statuses: c.statuses, ElapsedSeconds: time.Since(c.start).Seconds(), ExitStatus: exit}
}

func (c *counts) err(stage string) error {
	if c.errors > 0 {
		return &stream.ReportedError{Stage: stage, Errors: c.errors}
	}
	return nil
}

// RunLocked is Run under the server's archive-wal lock, which keeps two
// archivers of one server apart (waiting up to wait for it; 0: failing at
// once with a *lock.LockedError when another run holds it), with the
// server's directories made first.
func (j *Job) RunLocked(ctx context.Context, wait time.Duration, out io.Writer) error {
	lk, err := lock.Acquire(ctx, lock.File(j.Server.LockDir, j.Server.Name, "archive-wal"), "archive-wal", wait)
	if err != nil {
		return err
	}
	defer lk.Unlock()
	if err := j.Server.Layout.EnsureDirs(); err != nil {
		return err
	}
	return j.Run(ctx, out)
}
