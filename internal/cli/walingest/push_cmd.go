package walingest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/walstream"
)

type pushCmd struct {
	SSH          string        `name:"ssh" required:"" placeholder:"COMMAND" help:"ssh command that reaches the barman user on the backup server, e.g. 'ssh barman@backup'."`
	RemoteConfig string        `name:"remote-config" placeholder:"FILE" help:"Configuration file of barman on the backup server."`
	RemoteBarman string        `name:"remote-barman" default:"barman" help:"barman command on the backup server."`
	Test         bool          `short:"t" help:"Only check that the backup server accepts WAL for SERVER."`
	Compress     string        `enum:"auto,none,zstd,lz4,gzip,s2" default:"auto" help:"Compress the stream on the way (none, zstd, lz4, gzip; s2 with --async): less to send, for a slow link. auto: none, and s2 with --async. Needs barman in Go on the backup server (Barman's put-wal reads plain tar only)."`
	Async        bool          `help:"Leave the sending to a background worker that keeps one ssh session open and pushes every segment PostgreSQL has marked ready ahead of the calls; each call still exits 0 only once its segment is durable on the backup server (needs barman in Go there: put-wal --stream)."`
	SpoolPath    string        `name:"spool-path" default:"/var/tmp/barman-wal-ingest" placeholder:"DIR" help:"--async: where the status files and the worker's log go (a subdirectory per server), owned by the PostgreSQL user alone."`
	AsyncTimeout time.Duration `name:"async-timeout" default:"60s" help:"--async: how long a call waits for its segment before it fails (PostgreSQL calls again)."`
	AsyncIdle    time.Duration `name:"async-idle" default:"10s" help:"--async: how long the worker keeps its session open with nothing to send."`
	Worker       bool          `hidden:"" help:"Run as the --async worker."`
	WALDir       string        `name:"wal-dir" hidden:"" help:"The worker's pg_wal."`
	Server       string        `arg:"" help:"Server name on the backup server."`
	Path         string        `arg:"" optional:"" help:"WAL file to send (%p in archive_command)."`
}

// Run streams the file and its SHA256 as Barman's put-wal tar protocol to
// 'barman put-wal SERVER'. It exits 0 only when put-wal has verified the
// checksum and fsynced the file; exit 3 when ssh itself fails (as
// barman-wal-archive), else the remote exit status.
func (c *pushCmd) Run(e *runEnv) error {
	if c.Test {
		return c.remote(e, nil, "", "put-wal", "--test", c.Server)
	}
	if c.Worker {
		return c.runWorker(e)
	}
	if c.Path == "" {
		return clikit.WithHint(errors.New("no WAL file given"), "use it as archive_command = '%s push --ssh \"ssh barman@backup\" %s %%p'", name, c.Server)
	}
	if c.Async {
		return c.asyncPush(e)
	}
	algo := c.Compress
	switch algo {
	case "auto":
		algo = compress.None
	case walstream.S2:
		return clikit.WithHint(errors.New("--compress s2 works only with --async"), "use zstd, lz4 or gzip, or add --async")
	}
	return c.pushOne(e, c.Path, algo)
}

// pushOne sends one file in Barman's one-shot put-wal protocol,
// compressed on the way with algo.
func (c *pushCmd) pushOne(e *runEnv, path, algo string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		var w io.Writer = pw
		var zw io.WriteCloser
		if algo != "none" {
			// The fastest level: the point is to send less, not to store
			// smaller (cron compresses as configured).
			z, zerr := compress.NewWriter(pw, algo, lowLevel(algo))
			if zerr != nil {
				pw.CloseWithError(zerr)
				return
			}
			w, zw = z, z
		}
		err := archive.WriteTar(w, filepath.Base(path), f, st.Size(), st.ModTime().Unix())
		if err == nil && zw != nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	return c.remote(e, pr, filepath.Base(path), "put-wal", c.Server)
}

func (c *pushCmd) remote(e *runEnv, stdin io.Reader, file string, args ...string) error {
	err := runRemote(e.ctx, c.SSH, remoteBarman(c.RemoteBarman, c.RemoteConfig, args...), stdin, e.stdout, e.stderr)
	var se *sshExit
	if errors.As(err, &se) {
		code := se.code
		if code == 255 {
			code = 3
		}
		return &clikit.ExitError{Code: code, Err: fmt.Errorf("put-wal %s for server %s failed: %s", file, c.Server, se.msg)}
	}
	return err
}
