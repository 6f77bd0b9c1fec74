// Package restore is the barman-restore stage binary: write the files of a backup's manifest records to a destination, checking each checksum.
// cmd/barman-restore/main.go only calls Main. See man/barman-restore.1.md.
package restore

import (
	"errors"
	"io"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/pkg/cli/clikit"
)

const name = "barman-restore"

type cli struct {
	Version kong.VersionFlag `short:"v" help:"Print the version and exit."`
}

// Main runs barman-restore with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Write the files of a backup's manifest records to a destination, checking each checksum.", &c, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	return clikit.Report(stderr, name, clikit.WithHint(errors.New("this stage is not implemented yet"),
		"see man barman-restore for what it will do"))
}
