package walingest

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/cli/clikit"
	"github.com/gobarman/barman/pkg/compress"
)

type pushCmd struct {
	SSH          string `name:"ssh" required:"" placeholder:"COMMAND" help:"ssh command that reaches the barman user on the backup server, e.g. 'ssh barman@backup'."`
	RemoteConfig string `name:"remote-config" placeholder:"FILE" help:"Configuration file of barman on the backup server."`
	RemoteBarman string `name:"remote-barman" default:"barman" help:"barman command on the backup server."`
	Test         bool   `short:"t" help:"Only check that the backup server accepts WAL for SERVER."`
	Compress     string `enum:"none,zstd,lz4,gzip" default:"none" help:"Compress the stream on the way (none, zstd, lz4, gzip): less to send, for a slow link. Needs barman in Go on the backup server (Barman's put-wal reads plain tar only)."`
	Server       string `arg:"" help:"Server name on the backup server."`
	Path         string `arg:"" optional:"" help:"WAL file to send (%p in archive_command)."`
}

// Run streams the file and its SHA256 as Barman's put-wal tar protocol to
// 'barman put-wal SERVER'. It exits 0 only when put-wal has verified the
// checksum and fsynced the file; exit 3 when ssh itself fails (as
// barman-wal-archive), else the remote exit status.
func (c *pushCmd) Run(e *runEnv) error {
	if c.Test {
		return c.remote(e, nil, "put-wal", "--test", c.Server)
	}
	if c.Path == "" {
		return clikit.WithHint(errors.New("no WAL file given"), "use it as archive_command = '%s push --ssh \"ssh barman@backup\" %s %%p'", name, c.Server)
	}
	f, err := os.Open(c.Path)
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
		if c.Compress != "none" {
			// The fastest level: the point is to send less, not to store
			// smaller (cron compresses as configured).
			level, _ := compress.ParseLevel("low", c.Compress)
			z, zerr := compress.NewWriter(pw, c.Compress, level)
			if zerr != nil {
				pw.CloseWithError(zerr)
				return
			}
			w, zw = z, z
		}
		err := archive.WriteTar(w, filepath.Base(c.Path), f, st.Size(), st.ModTime().Unix())
		if err == nil && zw != nil {
			err = zw.Close()
		}
		pw.CloseWithError(err)
	}()
	defer pr.Close()
	return c.remote(e, pr, "put-wal", c.Server)
}

func (c *pushCmd) remote(e *runEnv, stdin io.Reader, args ...string) error {
	err := runRemote(e.ctx, c.SSH, remoteBarman(c.RemoteBarman, c.RemoteConfig, args...), stdin, e.stdout, e.stderr)
	var se *sshExit
	if errors.As(err, &se) {
		code := se.code
		if code == 255 {
			code = 3
		}
		return &clikit.ExitError{Code: code, Err: fmt.Errorf("put-wal %s for server %s failed: %s", filepath.Base(c.Path), c.Server, se.msg)}
	}
	return err
}
