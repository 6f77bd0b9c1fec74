package walingest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/walpush"
	"github.com/gobarman/barman/pkg/walstream"
)

// asyncPush is push --async: wait for the worker to push the file,
// starting one when none runs.
func (c *pushCmd) asyncPush(e *runEnv) error {
	sp, err := c.spool()
	if err != nil {
		return err
	}
	walDir, err := filepath.Abs(filepath.Dir(c.Path))
	if err != nil {
		return err
	}
	err = walpush.Wait(e.ctx, sp, c.Path, c.AsyncTimeout, func() (<-chan struct{}, error) {
		return c.startWorker(sp, walDir)
	})
	if err != nil {
		return &clikit.ExitError{Code: 1, Err: fmt.Errorf("server %s: %w", c.Server, err)}
	}
	return nil
}

// spool returns the server's spool directory, created if needed and
// checked (see serverSpool).
func (c *pushCmd) spool() (walpush.Spool, error) {
	dir, err := serverSpool(c.SpoolPath, c.Server, "--spool-path", true)
	return walpush.Spool{Dir: dir}, err
}

// startWorker launches a detached worker (its own session, output to
// the spool's worker.log) and returns a channel closed when it ends.
func (c *pushCmd) startWorker(sp walpush.Spool, walDir string) (<-chan struct{}, error) {
	exe, err := self()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(sp.LogPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	if st, err := logf.Stat(); err == nil && st.Size() > 4<<20 {
		logf.Truncate(0) // keep the log small: it is for the latest trouble
	}
	args := []string{"push", "--worker", "--wal-dir", walDir, "--spool-path", c.SpoolPath,
		"--ssh", c.SSH, "--remote-barman", c.RemoteBarman, "--compress", c.Compress,
		"--async-idle", c.AsyncIdle.String()}
	if c.RemoteConfig != "" {
		args = append(args, "--remote-config", c.RemoteConfig)
	}
	args = append(args, c.Server)
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	return done, nil
}

// self is the path of this program, to start the worker with: argv[0]
// as the shell found it, else the running executable.
func self() (string, error) {
	if a := os.Args[0]; strings.Contains(a, "/") {
		return filepath.Abs(a)
	} else if p, err := exec.LookPath(a); err == nil && filepath.Base(a) == name {
		return filepath.Abs(p)
	}
	return os.Executable()
}

// runWorker is push --worker: the detached process that pushes.
func (c *pushCmd) runWorker(e *runEnv) error {
	sp, err := c.spool()
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil)).With("server", c.Server, "pid", os.Getpid())
	w := &walpush.Worker{
		Spool:  sp,
		WALDir: c.WALDir,
		Dial:   c.dial(e.stderr),
		Single: func(ctx context.Context, path string) error {
			return c.pushOne(&runEnv{ctx: ctx, stdout: io.Discard, stderr: e.stderr}, path, compress.None)
		},
		Algo:  c.streamAlgo(),
		Level: lowLevel(c.streamAlgo()),
		Idle:  c.AsyncIdle,
		Log:   log,
	}
	log.Debug("push worker starts", "wal_dir", c.WALDir)
	return w.Run(e.ctx)
}

// dial starts `barman put-wal --stream SERVER` through the ssh command.
func (c *pushCmd) dial(stderr io.Writer) func(ctx context.Context) (*walpush.Session, error) {
	return func(ctx context.Context) (*walpush.Session, error) {
		sc, err := sshcmd.Parse(c.SSH)
		if err != nil {
			return nil, err
		}
		remote := remoteBarman(c.RemoteBarman, c.RemoteConfig, "put-wal", "--stream", c.Server)
		var errBuf strings.Builder
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		// outW is closed here, with the error that says why the session
		// ended, rather than by Start with the bare exit status.
		p, err := sc.Start(ctx, remote, inR, struct{ io.Writer }{outW}, io.MultiWriter(stderr, &limitedWriter{w: &errBuf, left: 4096}))
		if err != nil {
			return nil, fmt.Errorf("start %q: %w", c.SSH, err)
		}
		waited := make(chan error, 1)
		go func() {
			err := exitError(p.Wait(), remote, strings.Join(strings.Fields(errBuf.String()), " "))
			outW.CloseWithError(err)
			waited <- err
		}()
		var once sync.Once
		var waitErr error
		return &walpush.Session{In: inW, Out: outR, Wait: func() error {
			once.Do(func() { waitErr = <-waited })
			return waitErr
		}}, nil
	}
}

// streamAlgo is the compression on the way in stream mode: auto is S2,
// the cheapest in CPU (16 MiB of pgbench WAL in 17 ms on this project's
// VMs, 2.5 to 16 times smaller): there ssh spends more CPU per byte it
// carries than S2 per byte it compresses.
func (c *pushCmd) streamAlgo() string {
	if c.Compress == "auto" {
		return walstream.S2
	}
	return c.Compress
}

func lowLevel(algo string) compress.Level {
	if algo == compress.None || algo == walstream.S2 {
		return compress.DefaultLevel
	}
	level, _ := compress.ParseLevel("low", algo)
	return level
}

// limitedWriter keeps the first left bytes.
type limitedWriter struct {
	w    io.Writer
	left int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.left > 0 {
		n := min(len(p), l.left)
		l.w.Write(p[:n])
		l.left -= n
	}
	return len(p), nil
}
