// Package basebackup is the barman-basebackup stage binary: copy a PostgreSQL base backup and write its manifest as backup_file records.
// cmd/barman-basebackup/main.go only calls Main. See man/barman-basebackup.1.md.
package basebackup

import (
	"errors"
	"io"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/pkg/cli/clikit"
)

const name = "barman-basebackup"

type cli struct {
	Version kong.VersionFlag `short:"v" help:"Print the version and exit."`
}

// Main runs barman-basebackup with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Copy a PostgreSQL base backup and write its manifest as backup_file records.", &c, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	return clikit.Report(stderr, name, clikit.WithHint(errors.New("this stage is not implemented yet"),
		"see man barman-basebackup for what it will do"))
}
