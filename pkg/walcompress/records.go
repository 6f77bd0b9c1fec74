package walcompress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime/debug"
	"sync"
	"time"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/stream"
)

// recordRun is one run of record mode: a dispatcher reads the records and
// hands the wal_file records to compress to o.Jobs workers; everything else
// is written back at once. Records therefore come out in the order their
// work ends, not in input order.
type recordRun struct {
	o      *Options
	opts   []compress.Option
	out    *stream.Writer
	stderr io.Writer
	cancel context.CancelFunc
	locks  keyedMutex

	mu     sync.Mutex
	files  int64 // wal_file records compressed, copied or found done
	bytes  int64 // their uncompressed bytes
	errs   int64 // error records written, bad input lines
	outErr error // the first failure to write standard output
}

// Record mode asks the Go runtime to keep its memory under memoryBase +
// memoryPerJob × jobs (a soft limit: the garbage collector runs earlier),
// unless a limit is set already (GOMEMLIMIT). Without it the heap may grow
// to twice what the encoders hold: a bzip2 -9 encoder holds 19 MiB, so two
// workers peaked at 70 to 96 MiB instead of 55.
const (
	memoryBase   = 24 << 20
	memoryPerJob = 16 << 20
)

// LimitMemory sets the soft limit for jobs workers and returns what
// restores the previous one. It is the process's setting: only a program
// that runs Records alone (barman-wal-compress) calls it, never a library
// caller sharing the process with other work.
func LimitMemory(jobs int) (restore func()) {
	if debug.SetMemoryLimit(-1) != math.MaxInt64 {
		return func() {}
	}
	debug.SetMemoryLimit(memoryBase + memoryPerJob*int64(jobs))
	return func() { debug.SetMemoryLimit(math.MaxInt64) }
}

// Records is record mode: it reads wal_file records from in, compresses
// each wanted file from its path into its dest (o.Jobs at once), and
// writes the records, updated, to out, with every other record passed on
// as it came and a summary record at the end. Files that fail get an
// error record (and a line on o.Stderr); the run goes on, and returns a
// *stream.ReportedError.
func Records(parent context.Context, o Options, in io.Reader, out io.Writer) error {
	start := time.Now()
	o.defaults()
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	r := &recordRun{o: &o, opts: o.compressOptions(ctx), out: stream.NewWriter(out), stderr: o.Stderr, cancel: cancel}
	jobs := make(chan *stream.WALFile)
	var wg sync.WaitGroup
	for range o.Jobs {
		wg.Go(func() {
			for rec := range jobs {
				r.handle(ctx, rec)
			}
		})
	}
	r.dispatch(ctx, stream.NewReader(in, "<stdin>"), jobs)
	close(jobs)
	wg.Wait()
	return r.finish(parent, start)
}

// wanted tells the wal_file records this stage works on: a file to place
// at dest, not compressed or encrypted yet, not already dropped, rejected
// or archived by an earlier stage.
func wanted(w *stream.WALFile) bool {
	return w.Path != "" && w.Dest != "" && w.Compression == "" && w.Encryption == "" &&
		(w.Status == "" || w.Status == stream.StatusNew)
}

type item struct {
	rec stream.Record
	err error
}

func (r *recordRun) dispatch(ctx context.Context, rd *stream.Reader, jobs chan<- *stream.WALFile) {
	items := readRecords(ctx, rd)
	for {
		var it item
		var ok bool
		select {
		case <-ctx.Done():
			return
		case it, ok = <-items:
		}
		switch w, isWAL := it.rec.(*stream.WALFile); {
		case !ok:
			return
		case it.err != nil:
			if !r.badInput(it.err) {
				return
			}
		case isWAL && wanted(w):
			select {
			case jobs <- w:
			case <-ctx.Done():
				return
			}
		default: // other types, unknown types, errors: passed on as they are
			r.write(it.rec)
		}
	}
}

// readRecords reads in its own goroutine, so that an interrupt does not
// wait for a read of stdin that may never return.
func readRecords(ctx context.Context, rd *stream.Reader) <-chan item {
	ch := make(chan item, 16)
	go func() {
		defer close(ch)
		for {
			rec, err := rd.Read()
			if err == io.EOF {
				return
			}
			select {
			case ch <- item{rec, err}:
			case <-ctx.Done():
				return
			}
			var le *stream.LineError
			if err != nil && !errors.As(err, &le) {
				return // a failed read is final
			}
		}
	}()
	return ch
}

// badInput reports a bad line (and says to go on) or a failed read of
// stdin (and says to stop).
func (r *recordRun) badInput(err error) (goOn bool) {
	var le *stream.LineError
	if errors.As(err, &le) {
		r.report(&stream.Error{Stage: Stage, Code: stream.CodeBadRecord, Message: err.Error(),
			Hint: "fix or remove that line; the other records were processed"})
		return true
	}
	r.report(&stream.Error{Stage: Stage, Code: stream.CodeIO, Message: "read standard input: " + err.Error()})
	return false
}

// report writes an error record and tells it on stderr.
func (r *recordRun) report(e *stream.Error) {
	r.mu.Lock()
	r.errs++
	r.mu.Unlock()
	r.write(e)
	msg := fmt.Sprintf("%s: error: %s\n", r.o.Name, e.Message)
	if e.Hint != "" {
		msg += fmt.Sprintf("%s: hint: %s\n", r.o.Name, e.Hint)
	}
	io.WriteString(r.stderr, msg)
}

// write writes a record; if stdout fails, the run stops.
func (r *recordRun) write(rec stream.Record) {
	if err := r.out.Write(rec); err != nil {
		r.mu.Lock()
		if r.outErr == nil {
			r.outErr = err
		}
		r.mu.Unlock()
		r.cancel()
	}
}

func (r *recordRun) done(rec *stream.WALFile) {
	r.mu.Lock()
	r.files++
	r.bytes += rec.OriginalSize
	r.mu.Unlock()
	r.write(rec)
}

// finish writes the summary record and returns the run's error.
func (r *recordRun) finish(parent context.Context, start time.Time) error {
	exit := exitOK
	switch {
	case parent.Err() != nil:
		exit = exitInterrupt
	case r.errs > 0 || r.outErr != nil:
		exit = exitFailure
	}
	r.out.Write(&stream.Summary{Stage: Stage, Files: r.files, Bytes: r.bytes, Errors: r.errs,
		ElapsedSeconds: time.Since(start).Seconds(), ExitStatus: exit})
	switch {
	case parent.Err() != nil:
		return parent.Err()
	case r.outErr != nil:
		return fmt.Errorf("write standard output: %w", r.outErr)
	case r.errs > 0:
		return &stream.ReportedError{Stage: Stage, Errors: r.errs} // already told
	}
	return nil
}
