// Package walingest is the barman-wal-ingest stage binary: validate WAL files arriving in incoming/ or streaming/ and place them durably in the archive.
// cmd/barman-wal-ingest/main.go only calls Main. See man/barman-wal-ingest.1.md.
package walingest

import (
	"errors"
	"io"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/pkg/cli/clikit"
)

const name = "barman-wal-ingest"

type cli struct {
	Version kong.VersionFlag `short:"v" help:"Print the version and exit."`
}

// Main runs barman-wal-ingest with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Validate WAL files arriving in incoming/ or streaming/ and place them durably in the archive.", &c, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	return clikit.Report(stderr, name, clikit.WithHint(errors.New("this stage is not implemented yet"),
		"see man barman-wal-ingest for what it will do"))
}
