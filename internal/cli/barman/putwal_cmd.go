package barman

import (
	"os"
	"strings"

	"github.com/gobarman/barman/pkg/fsutil"
)

// PutWALCmd is `barman put-wal SERVER`: the receiving end of
// barman-wal-ingest push (and of Barman's barman-wal-archive).
type PutWALCmd struct {
	Test   bool   `short:"t" help:"Only say whether the server accepts WAL."`
	Stream bool   `help:"Receive many files in the put-wal stream protocol (barman-wal-ingest push --async) and acknowledge each once durable."`
	Server string `arg:"" help:"Server name."`
}

// Run reads the tar stream on stdin into incoming/, verified and fsynced.
func (c *PutWALCmd) Run(env *Env) error {
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	s := servers[0]
	if c.Test {
		env.Out.Info("Ready to accept WAL files for the server %s", s.Name)
		return nil
	}
	a := s.Archive(env.Log)
	fsutil.GrowPipe(env.Stdin) // sshd writes the stream 64 KiB at a time otherwise
	client := strings.Fields(os.Getenv("SSH_CONNECTION") + " -")[0]
	if c.Stream {
		if err := a.ServeStream(env.Ctx, env.Stdin, env.Out.Stdout()); err != nil {
			env.Log.Error("put-wal stream failed", "server", s.Name, "client", client, "error", err)
			return err
		}
		return nil
	}
	names, err := a.Receive(env.Stdin)
	if err != nil {
		env.Log.Error("put-wal failed", "server", s.Name, "client", client, "error", err)
		return err
	}
	env.Log.Info("put-wal received", "server", s.Name, "client", client, "files", strings.Join(names, ","))
	return nil
}
