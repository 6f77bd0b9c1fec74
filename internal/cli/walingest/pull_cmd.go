package walingest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/fsutil"
)

type pullCmd struct {
	SSH          string `name:"ssh" required:"" placeholder:"COMMAND" help:"ssh command that reaches the barman user on the backup server."`
	RemoteConfig string `name:"remote-config" placeholder:"FILE" help:"Configuration file of barman on the backup server."`
	RemoteBarman string `name:"remote-barman" default:"barman" help:"barman command on the backup server."`
	Parallel     int    `short:"p" default:"0" help:"Also fetch up to N-1 following WAL files in parallel into the spool directory."`
	SpoolDir     string `name:"spool-dir" default:"/var/tmp/walrestore" help:"Where prefetched WAL files wait (a subdirectory per server), owned by the PostgreSQL user alone."`
	Partial      bool   `short:"P" help:"Also return a .partial file from the streaming directory."`
	Test         bool   `short:"t" help:"Only check that WAL can be fetched for SERVER."`
	Server       string `arg:"" help:"Server name on the backup server."`
	WAL          string `arg:"" optional:"" help:"WAL file name (%f in restore_command)."`
	Dest         string `arg:"" optional:"" help:"Where to write it (%p in restore_command)."`
}

// Run fetches one WAL file: from the spool if a previous call prefetched
// it, else with 'barman get-wal'. Exit 1: not in the archive; 2: ssh failed.
func (c *pullCmd) Run(e *runEnv) error {
	if c.Test {
		return c.exit(runRemote(e.ctx, c.SSH, c.getWAL("--test", c.Server, "00000001000000000000000A"), nil, e.stdout, e.stderr))
	}
	if c.WAL == "" || c.Dest == "" {
		return clikit.WithHint(errors.New("WAL name and destination needed"), "use it as restore_command = '%s pull --ssh \"ssh barman@backup\" %s %%f %%p'", name, c.Server)
	}
	// The spool is checked before anything in it is handed out: a file
	// planted there would be replayed as WAL. A spool that fails the check
	// is not used at all, and the file comes from the archive: failing
	// the call instead would tell PostgreSQL the WAL does not exist, and
	// a recovery would end there, short of its target.
	spool, err := serverSpool(c.SpoolDir, c.Server, "--spool-dir", c.Parallel > 1)
	if err != nil {
		warnSpool(e.stderr, err)
		spool = ""
	}
	if spool != "" {
		if err := os.Rename(filepath.Join(spool, c.WAL), c.Dest); err == nil {
			return nil
		}
	}
	if c.Parallel <= 1 || spool == "" {
		return c.exit(c.fetch(e, c.WAL, c.Dest))
	}
	return c.exit(c.fetchAhead(e, spool))
}

func (c *pullCmd) getWAL(args ...string) string {
	if c.Partial {
		args = append([]string{"-P"}, args...)
	}
	return remoteBarman(c.RemoteBarman, c.RemoteConfig, append([]string{"get-wal"}, args...)...)
}

// fetch writes one WAL file to dest durably (temp, fsync, rename).
func (c *pullCmd) fetch(e *runEnv, wal, dest string) error {
	return fsutil.WriteAtomic(dest, 0o600, func(w io.Writer) error {
		return runRemote(e.ctx, c.SSH, c.getWAL(c.Server, wal), nil, w, e.stderr)
	})
}

// fetchAhead asks which WAL files follow, then fetches the requested one
// to dest and the others into the spool, in parallel.
func (c *pullCmd) fetchAhead(e *runEnv, spool string) error {
	var list bytes.Buffer
	if err := runRemote(e.ctx, c.SSH, c.getWAL("--peek", strconv.Itoa(c.Parallel), c.Server, c.WAL), nil, &list, e.stderr); err != nil {
		return err
	}
	g, _ := errgroup.WithContext(e.ctx)
	g.Go(func() error { return c.fetch(e, c.WAL, c.Dest) })
	for _, next := range strings.Fields(list.String()) {
		if next == c.WAL {
			continue
		}
		g.Go(func() error {
			c.fetch(e, next, filepath.Join(spool, next)) // best effort: a miss is fetched later
			return nil
		})
	}
	return g.Wait()
}

func (c *pullCmd) exit(err error) error {
	var se *sshExit
	if !errors.As(err, &se) {
		return err
	}
	code := 1
	if se.code == 255 {
		code = 2
	}
	return &clikit.ExitError{Code: code, Err: fmt.Errorf("get-wal %s for server %s failed: %s", c.WAL, c.Server, se.msg)}
}

// warnSpool says why the spool is not used, and what to do about it.
func warnSpool(w io.Writer, err error) {
	fmt.Fprintf(w, "%s: warning: %v: not using the spool, fetching from the backup server without prefetching\n", name, err)
	var h *clikit.HintError
	if errors.As(err, &h) {
		fmt.Fprintf(w, "%s: hint: %s\n", name, h.Hint())
	}
}
