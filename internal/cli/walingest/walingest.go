// Package walingest is the barman-wal-ingest stage binary: it checks the
// WAL files that arrive for a server and plans their place in the archive
// (scan), catalogues the placed files in xlog.db (commit), and, on the
// PostgreSQL host, sends a segment to barman over SSH as archive_command
// (push) or fetches one as restore_command (pull). cmd/barman-wal-ingest
// only calls Main. See man/barman-wal-ingest.1.md.
package walingest

import (
	"context"
	"io"
	"log/slog"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/internal/cli/clikit"
)

const name = "barman-wal-ingest"

type cli struct {
	Config  string           `short:"c" help:"Barman configuration file." env:"BARMAN_CONFIG_FILE" placeholder:"FILE"`
	Version kong.VersionFlag `short:"v" help:"Print the version and exit."`
	Debug   bool             `short:"d" help:"Print debug messages on standard error (e.g. how each ssh connection is made)."`

	Scan   scanCmd   `cmd:"" default:"withargs" help:"Check the files in incoming/ and streaming/ (or given paths) and print a wal_file record for each (the default)."`
	Commit commitCmd `cmd:"" help:"Catalogue placed files (wal_file records on stdin) in xlog.db, then remove their sources."`
	Push   pushCmd   `cmd:"" help:"archive_command: send a WAL file over SSH to 'barman put-wal'; exit 0 only once it is durable there."`
	Pull   pullCmd   `cmd:"" help:"restore_command: fetch a WAL file over SSH from 'barman get-wal'."`
}

// runEnv is what the commands get.
type runEnv struct {
	ctx            context.Context
	stdin          io.Reader
	stdout, stderr io.Writer
	config         string
}

// Main runs barman-wal-ingest with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Check arriving WAL files and place them in the archive; send or fetch WAL over SSH.", &c, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	if c.Debug {
		slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug})))
	}
	return clikit.Run(name, stderr, func(ctx context.Context) error {
		return kctx.Run(&runEnv{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, config: c.Config})
	})
}
