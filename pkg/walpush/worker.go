package walpush

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/walstream"
)

// Session is one connection to `barman put-wal --stream`.
type Session struct {
	In   io.WriteCloser // to put-wal
	Out  io.Reader      // from put-wal
	Wait func() error   // waits for the remote command; its error says why it ended
}

// Worker pushes the segments PostgreSQL has marked ready, ahead of the
// archive_command calls that wait for them.
type Worker struct {
	Spool  Spool
	WALDir string // pg_wal, whose archive_status/*.ready lists what to push
	// Dial opens a session to `barman put-wal --stream`.
	Dial func(ctx context.Context) (*Session, error)
	// Single pushes one file with Barman's one-shot put-wal: used when the
	// backup server's barman does not speak the stream protocol.
	Single func(ctx context.Context, path string) error
	Algo   string         // compression on the way: none, gzip, lz4, zstd
	Level  compress.Level // its level
	Idle   time.Duration  // how long to stay connected with nothing to send
	Window int            // files sent and not yet acknowledged, at most (0: 8)
	Ahead  int            // pushed files waiting for their archive_command, at most (0: 64)
	Log    *slog.Logger
}

// item is a file sent and not yet acknowledged.
type item struct {
	name string
	st   fs.FileInfo
}

// Run pushes until there has been nothing to push for Idle, or until an
// error. It returns nil at once when another worker holds the lock.
func (w *Worker) Run(ctx context.Context) error {
	l, err := lock.Acquire(ctx, w.Spool.LockPath(), workerPurpose, 0)
	var le *lock.LockedError
	if errors.As(err, &le) {
		return nil
	}
	if err != nil {
		return err
	}
	defer l.Unlock()
	w.cleanStale()
	sess, err := w.Dial(ctx)
	if err != nil {
		w.failRequests(err.Error(), time.Now())
		return err
	}
	br := bufio.NewReader(sess.Out)
	if gerr := walstream.ReadGreeting(br); gerr != nil {
		sess.In.Close()
		werr := sess.Wait()
		if w.Single == nil || !unknownOption(werr) {
			msg := fmt.Sprintf("the backup server's put-wal does not speak the stream protocol (%v)", gerr)
			if werr != nil {
				msg = fmt.Sprintf("put-wal --stream on the backup server failed: %v", werr)
			}
			w.failRequests(msg, time.Now())
			return errors.New(msg)
		}
		w.Log.Warn("the backup server's put-wal has no --stream (Barman's own?): pushing one file per connection", "reason", fmt.Sprint(werr))
		return w.runSingle(ctx)
	}
	t0 := time.Now()
	n, err := w.runStream(ctx, sess, br)
	w.Log.Info("push worker stops", "pushed", n, "seconds", fmt.Sprintf("%.1f", time.Since(t0).Seconds()))
	return err
}

// unknownOption tells whether the remote command failed because it does
// not know --stream (Barman's put-wal: "unrecognized arguments").
func unknownOption(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.Contains(msg, "--stream") && (strings.Contains(msg, "unrecognized argument") || strings.Contains(msg, "unknown flag"))
}

// runStream sends files through one session while a goroutine reads the
// acknowledgements. It returns how many files were acknowledged.
func (w *Worker) runStream(ctx context.Context, sess *Session, br *bufio.Reader) (int, error) {
	window := w.Window
	if window <= 0 {
		window = 8
	}
	sender, err := walstream.NewSender(sess.In, w.Algo, w.Level)
	if err != nil {
		sess.In.Close()
		sess.Wait()
		return 0, err
	}
	var acked int
	inflight := make(chan item, window)
	var mu sync.Mutex
	pending := map[string]bool{} // sent, not acknowledged
	ackDone := make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		err := w.readAcks(br, inflight, &mu, pending, &acked)
		close(stop)
		ackDone <- err
	}()

	sent := map[string]string{} // name → stamp of the file sent
	idleSince := time.Now()
	var sendErr error
loop:
	for {
		mu.Lock()
		busy := len(pending)
		mu.Unlock()
		cands, err := w.candidates(sent, func(n string) bool { mu.Lock(); defer mu.Unlock(); return pending[n] })
		if err != nil {
			sendErr = err
			break
		}
		if len(cands) == 0 {
			if busy == 0 && time.Since(idleSince) >= w.Idle {
				break
			}
			select {
			case <-stop:
				break loop
			case <-ctx.Done():
				sendErr = ctx.Err()
				break loop
			case <-time.After(5 * time.Millisecond):
			}
			if busy > 0 {
				idleSince = time.Now()
			}
			continue
		}
		for _, c := range cands {
			f, err := os.Open(c.path)
			if err != nil {
				w.Log.Warn("cannot read a ready WAL file", "file", c.path, "error", err)
				w.Spool.markError(c.name, fmt.Sprintf("cannot read %s: %v", c.path, err))
				sent[c.name] = "unreadable"
				continue
			}
			st, err := f.Stat()
			if err != nil {
				f.Close()
				sendErr = err
				break loop
			}
			mu.Lock()
			pending[c.name] = true
			mu.Unlock()
			select {
			case inflight <- item{c.name, st}:
			case <-stop:
				f.Close()
				break loop
			}
			sent[c.name] = stamp(st)
			err = sender.File(c.name, f, st.Size())
			f.Close()
			if err != nil {
				sendErr = fmt.Errorf("send %s: %w", c.name, err)
				break loop
			}
		}
		idleSince = time.Now()
	}
	if sendErr == nil {
		sender.End()
	}
	sess.In.Close()
	ackErr := <-ackDone
	failedAt := time.Now()
	waitErr := sess.Wait()
	// Whatever was sent and not acknowledged failed, with the best reason.
	reason := firstErr(ackErr, waitErr, sendErr)
	close(inflight)
	for it := range inflight {
		w.Spool.markError(it.name, reason.Error())
	}
	if reason != nil && !errors.Is(reason, io.EOF) {
		w.Log.Error("push failed", "error", reason)
		w.failRequests(reason.Error(), failedAt)
		return acked, reason
	}
	return acked, nil
}

// readAcks turns acknowledgements into .ok (or .error) files. It
// returns io.EOF when the server closed the stream.
func (w *Worker) readAcks(br *bufio.Reader, inflight <-chan item, mu *sync.Mutex, pending map[string]bool, acked *int) error {
	for {
		a, err := walstream.ReadAck(br)
		if err != nil {
			return err
		}
		var it item
		select {
		case it = <-inflight:
		default:
			if a.Err != "" {
				return fmt.Errorf("put-wal: %s", a.Err)
			}
			return fmt.Errorf("put-wal acknowledged %s, which was not sent", a.Name)
		}
		if a.Err != "" {
			w.Spool.markError(it.name, a.Err)
			return fmt.Errorf("put-wal refused %s: %s", it.name, a.Err)
		}
		if a.Name != it.name {
			w.Spool.markError(it.name, "put-wal acknowledged "+a.Name+" instead")
			return fmt.Errorf("put-wal acknowledged %s while %s was expected", a.Name, it.name)
		}
		if err := w.Spool.markOK(it.name, it.st); err != nil {
			return fmt.Errorf("write the status of %s: %w", it.name, err)
		}
		mu.Lock()
		delete(pending, it.name)
		*acked++
		mu.Unlock()
		w.Spool.unrequest(it.name)
		w.Log.Debug("pushed", "file", it.name)
	}
}

// runSingle pushes with one-shot put-wal calls, one file at a time.
func (w *Worker) runSingle(ctx context.Context) error {
	sent := map[string]string{}
	idleSince := time.Now()
	for {
		cands, err := w.candidates(sent, func(string) bool { return false })
		if err != nil {
			return err
		}
		if len(cands) == 0 {
			if time.Since(idleSince) >= w.Idle {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
			continue
		}
		for _, c := range cands {
			st, err := os.Stat(c.path)
			sent[c.name] = "unreadable"
			if err == nil {
				sent[c.name] = stamp(st)
				err = w.Single(ctx, c.path)
			}
			if err != nil {
				w.Spool.markError(c.name, err.Error())
				return err
			}
			if err := w.Spool.markOK(c.name, st); err != nil {
				return err
			}
			w.Spool.unrequest(c.name)
		}
		idleSince = time.Now()
	}
}

type candidate struct{ name, path string }

// candidates lists what to push next: the files archive_command calls
// wait for, then the ready ones in PostgreSQL's archiving order
// (timeline history files first, then by name). It leaves out what is
// being sent, what has a .ok, and what this worker sent already: a ready
// file by name, a requested one only if it is still the file that was
// sent (a call may wait for a file whose .ok it found stale, or ask again
// after taking the .ok just written: that file was sent).
func (w *Worker) candidates(sent map[string]string, busy func(string) bool) ([]candidate, error) {
	reqs, oks, err := w.Spool.entries()
	if err != nil {
		return nil, err
	}
	var out []candidate
	for name, path := range reqs {
		if oks[name] || busy(name) {
			continue
		}
		if prev, ok := sent[name]; ok {
			if st, err := os.Stat(path); err == nil && stamp(st) == prev {
				continue
			}
		}
		out = append(out, candidate{name, path})
	}
	ready, err := readyFiles(w.WALDir)
	if err != nil {
		return nil, err
	}
	room := w.Ahead
	if room <= 0 {
		room = 64
	}
	room -= len(oks)
	for _, name := range ready {
		if room <= 0 {
			break
		}
		_, asked := reqs[name]
		_, done := sent[name]
		if asked || done || oks[name] || busy(name) {
			continue
		}
		out = append(out, candidate{name, filepath.Join(w.WALDir, name)})
		room--
	}
	sortArchiveOrder(out)
	return out, nil
}

// readyFiles lists the files PostgreSQL marked ready for archiving.
func readyFiles(walDir string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(walDir, "archive_status"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		if n, ok := strings.CutSuffix(e.Name(), ".ready"); ok {
			names = append(names, n)
		}
	}
	return names, nil
}

func sortArchiveOrder(c []candidate) {
	sort.Slice(c, func(i, j int) bool {
		hi, hj := strings.HasSuffix(c[i].name, ".history"), strings.HasSuffix(c[j].name, ".history")
		if hi != hj {
			return hi
		}
		return c[i].name < c[j].name
	})
}

// cleanStale removes the .ok files that no archive_command will ask for:
// PostgreSQL no longer lists the file as ready and no call waits for it.
func (w *Worker) cleanStale() {
	reqs, oks, err := w.Spool.entries()
	if err != nil {
		return
	}
	ready, _ := readyFiles(w.WALDir)
	isReady := map[string]bool{}
	for _, n := range ready {
		isReady[n] = true
	}
	for n := range oks {
		if _, asked := reqs[n]; !asked && !isReady[n] {
			os.Remove(w.Spool.path(n, ".ok"))
		}
	}
}

// failRequests answers the calls that were waiting when the failure
// happened with msg. A request written later (a new call, after the one
// that already got this error) is left for the next worker.
func (w *Worker) failRequests(msg string, at time.Time) {
	reqs, _, _ := w.Spool.entries()
	for n := range reqs {
		if st, err := os.Stat(w.Spool.path(n, ".req")); err == nil && !st.ModTime().After(at) {
			w.Spool.markError(n, msg)
		}
	}
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil && !errors.Is(e, io.EOF) {
			return e
		}
	}
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
