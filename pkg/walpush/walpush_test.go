package walpush

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/walstream"
)

// site is a pg_wal with ready files, a spool, and a backup server's
// archive that the worker reaches through ServeStream in this process.
type site struct {
	walDir string
	spool  Spool
	a      *archive.Archive
	dials  atomic.Int32
	// refuse, when set, makes the server fail like Barman's put-wal
	// without --stream.
	refuse bool
}

func newSite(t *testing.T, n int) (*site, []string) {
	t.Helper()
	base := t.TempDir()
	s := &site{walDir: filepath.Join(base, "pg_wal"), spool: Spool{Dir: filepath.Join(base, "spool")}}
	os.MkdirAll(filepath.Join(s.walDir, "archive_status"), 0o700)
	os.MkdirAll(s.spool.Dir, 0o700)
	l := catalog.NewLayout(filepath.Join(base, "home"), "main", catalog.Dirs{})
	if err := l.EnsureDirs(); err != nil {
		t.Fatal(err)
	}
	s.a = &archive.Archive{Layout: l, Server: "main", LockDir: base}
	var names []string
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("0000000100000000000000%02X", i)
		s.ready(t, name, bytes.Repeat([]byte{byte(i), 'w', 'a', 'l'}, 64<<10))
		names = append(names, name)
	}
	return s, names
}

func (s *site) ready(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(s.walDir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.walDir, "archive_status", name+".ready"), nil, 0o600)
}

// done does what PostgreSQL does after archive_command succeeded.
func (s *site) done(name string) {
	os.Rename(filepath.Join(s.walDir, "archive_status", name+".ready"), filepath.Join(s.walDir, "archive_status", name+".done"))
}

func (s *site) dial(ctx context.Context) (*Session, error) {
	s.dials.Add(1)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		var err error
		if s.refuse {
			err = errors.New("barman: error: unrecognized arguments: --stream")
		} else {
			err = s.a.ServeStream(ctx, inR, outW)
		}
		outW.Close()
		inR.CloseWithError(io.ErrClosedPipe)
		done <- err
	}()
	return &Session{In: inW, Out: outR, Wait: func() error { return <-done }}, nil
}

func (s *site) worker(algo string, single func(context.Context, string) error) *Worker {
	level, _ := compress.ParseLevel("low", algo)
	return &Worker{Spool: s.spool, WALDir: s.walDir, Dial: s.dial, Single: single, Algo: algo, Level: level,
		Idle: 50 * time.Millisecond, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// start runs the worker in a goroutine, as startWorker runs a process.
func start(ctx context.Context, w *Worker, errs chan<- error) func() (<-chan struct{}, error) {
	return func() (<-chan struct{}, error) {
		done := make(chan struct{})
		go func() {
			err := w.Run(ctx)
			if err != nil {
				errs <- err
			}
			close(done)
		}()
		return done, nil
	}
}

func (s *site) checkArchived(t *testing.T, names []string) {
	t.Helper()
	for _, n := range names {
		want, _ := os.ReadFile(filepath.Join(s.walDir, n))
		got, err := os.ReadFile(filepath.Join(s.a.Layout.IncomingDir(), n))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: not in incoming/ as sent (%v)", n, err)
		}
	}
}

// archive_command's calls, one after the other as PostgreSQL makes them:
// each returns once its file is on the backup server, one session
// carries them all, and the spool is left empty.
func TestPushInOrder(t *testing.T) {
	for _, algo := range []string{compress.None, compress.Zstd, walstream.S2} {
		t.Run(algo, func(t *testing.T) {
			s, names := newSite(t, 12)
			ctx, stop := context.WithCancel(context.Background())
			errs := make(chan error, 10)
			w := s.worker(algo, nil)
			// However slow the machine between two calls, the worker
			// stays: the test stops it.
			w.Idle = time.Hour
			var workers []<-chan struct{}
			launch := func() (<-chan struct{}, error) {
				done, err := start(ctx, w, errs)()
				workers = append(workers, done)
				return done, err
			}
			for _, n := range names {
				if err := Wait(context.Background(), s.spool, filepath.Join(s.walDir, n), 10*time.Second, launch); err != nil {
					t.Fatalf("%s: %v", n, err)
				}
				if _, err := os.Stat(filepath.Join(s.a.Layout.IncomingDir(), n)); err != nil {
					t.Fatalf("%s acknowledged but not in incoming/: %v", n, err)
				}
				s.done(n)
			}
			s.checkArchived(t, names)
			if d := s.dials.Load(); d != 1 {
				t.Errorf("%d sessions for %d files, want 1", d, len(names))
			}
			stop()
			for _, done := range workers {
				<-done
			}
			ents, _ := os.ReadDir(s.spool.Dir)
			for _, e := range ents {
				if e.Name() != "worker.lock" {
					t.Errorf("spool holds %s", e.Name())
				}
			}
			select {
			case err := <-errs:
				if !errors.Is(err, context.Canceled) {
					t.Errorf("worker: %v", err)
				}
			default:
			}
		})
	}
}

// waitIdle returns once the worker has stopped after its idle time (a
// worker that never stops makes the test run into -timeout).
func waitIdle(t *testing.T, sp Spool) {
	t.Helper()
	for {
		running, err := WorkerRunning(context.Background(), sp)
		if err != nil {
			t.Fatal(err)
		}
		if !running {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// A .ok that does not match the file (an older file of the same name)
// is not taken for it: the file is pushed.
func TestStaleStatusIgnored(t *testing.T) {
	s, names := newSite(t, 1)
	os.WriteFile(filepath.Join(s.spool.Dir, names[0]+".ok"), []byte("65536 12345\n"), 0o600)
	ctx := context.Background()
	errs := make(chan error, 1)
	if err := Wait(ctx, s.spool, filepath.Join(s.walDir, names[0]), 10*time.Second, start(ctx, s.worker("none", nil), errs)); err != nil {
		t.Fatal(err)
	}
	if s.dials.Load() != 1 {
		t.Errorf("the stale .ok was taken: %d sessions", s.dials.Load())
	}
	s.checkArchived(t, names)
}

// The server refuses a file: the call fails with its reason, and the
// next call (PostgreSQL retries) succeeds once the cause is gone.
func TestRefusedFile(t *testing.T) {
	s, _ := newSite(t, 0)
	bad := filepath.Join(s.walDir, "not-a-wal-file")
	os.WriteFile(bad, []byte("x"), 0o600)
	ctx := context.Background()
	errs := make(chan error, 5)
	w := s.worker("none", nil)
	err := Wait(ctx, s.spool, bad, 10*time.Second, start(ctx, w, errs))
	if err == nil || !strings.Contains(err.Error(), "not a WAL file name") {
		t.Fatalf("got %v, want the server's refusal", err)
	}
	waitIdle(t, s.spool)
	s2names := "000000010000000000000001"
	s.ready(t, s2names, []byte("wal"))
	if err := Wait(ctx, s.spool, filepath.Join(s.walDir, s2names), 10*time.Second, start(ctx, w, errs)); err != nil {
		t.Fatalf("after the refusal: %v", err)
	}
	s.checkArchived(t, []string{s2names})
}

// A backup server whose put-wal has no --stream (Barman's): the worker
// pushes each file with the one-shot put-wal instead.
func TestFallbackToSingle(t *testing.T) {
	s, names := newSite(t, 3)
	s.refuse = true
	var single []string
	w := s.worker("none", func(_ context.Context, path string) error {
		single = append(single, filepath.Base(path))
		return nil
	})
	ctx := context.Background()
	errs := make(chan error, 5)
	for _, n := range names {
		if err := Wait(ctx, s.spool, filepath.Join(s.walDir, n), 10*time.Second, start(ctx, w, errs)); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		s.done(n)
	}
	if strings.Join(single, " ") != strings.Join(names, " ") {
		t.Errorf("one-shot pushes %v, want %v", single, names)
	}
}

// No session can be opened (ssh fails): the call fails with the reason
// and does not wait for its timeout.
func TestDialFailure(t *testing.T) {
	s, names := newSite(t, 1)
	w := s.worker("none", nil)
	w.Dial = func(context.Context) (*Session, error) {
		return nil, errors.New("ssh: connect to host backup port 22: Connection refused")
	}
	ctx := context.Background()
	errs := make(chan error, 5)
	t0 := time.Now()
	err := Wait(ctx, s.spool, filepath.Join(s.walDir, names[0]), 30*time.Second, start(ctx, w, errs))
	if err == nil || !strings.Contains(err.Error(), "Connection refused") {
		t.Fatalf("got %v", err)
	}
	if time.Since(t0) > 20*time.Second {
		t.Errorf("the failure took %s to be reported", time.Since(t0))
	}
}

// The session dies in the middle of a file (ssh killed, network gone):
// the waiting call fails, nothing half-written is visible on the backup
// server, and the next call (PostgreSQL retries) pushes through a new
// session.
func TestSessionDies(t *testing.T) {
	s, names := newSite(t, 2)
	w := s.worker("none", nil)
	w.Dial = func(ctx context.Context) (*Session, error) {
		if s.dials.Load() > 0 {
			return s.dial(ctx)
		}
		s.dials.Add(1)
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		done := make(chan error, 1)
		go func() {
			// Serve the first 100 KiB of what comes, then vanish.
			err := s.a.ServeStream(ctx, io.LimitReader(inR, 100<<10), outW)
			outW.Close()
			inR.CloseWithError(errors.New("connection reset"))
			done <- err
		}()
		return &Session{In: inW, Out: outR, Wait: func() error { <-done; return errors.New("ssh: connection reset by peer") }}, nil
	}
	ctx := context.Background()
	errs := make(chan error, 5)
	err := Wait(ctx, s.spool, filepath.Join(s.walDir, names[0]), 10*time.Second, start(ctx, w, errs))
	if err == nil {
		t.Fatal("a push cut off mid-stream succeeded")
	}
	if ents, _ := os.ReadDir(s.a.Layout.IncomingDir()); len(ents) != 0 {
		t.Errorf("incoming/ holds %d files after the cut", len(ents))
	}
	waitIdle(t, s.spool)
	for _, n := range names {
		if err := Wait(ctx, s.spool, filepath.Join(s.walDir, n), 10*time.Second, start(ctx, w, errs)); err != nil {
			t.Fatalf("retry of %s: %v", n, err)
		}
		s.done(n)
	}
	s.checkArchived(t, names)
}

// put-wal fails before its greeting for a reason of its own (an unknown
// server, say): the call gets put-wal's message, and there is no fallback.
func TestRemoteFailsBeforeGreeting(t *testing.T) {
	s, names := newSite(t, 1)
	called := false
	w := s.worker("none", func(context.Context, string) error { called = true; return nil })
	w.Dial = func(ctx context.Context) (*Session, error) {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		outW.Close()
		inR.CloseWithError(io.ErrClosedPipe)
		return &Session{In: inW, Out: outR, Wait: func() error {
			return errors.New("barman put-wal --stream nosuch: barman: error: unknown server 'nosuch'")
		}}, nil
	}
	ctx := context.Background()
	errs := make(chan error, 5)
	err := Wait(ctx, s.spool, filepath.Join(s.walDir, names[0]), 10*time.Second, start(ctx, w, errs))
	if err == nil || !strings.Contains(err.Error(), "unknown server 'nosuch'") || strings.Contains(err.Error(), "does not speak") {
		t.Fatalf("got %v, want put-wal's own message", err)
	}
	if called {
		t.Error("fell back to the one-shot put-wal for a put-wal that failed")
	}
}
