// Package walcompress is the barman-wal-compress stage binary: compress or decompress WAL files, as a filter or over a stream of wal_file records.
// cmd/barman-wal-compress/main.go only calls Main. See man/barman-wal-compress.1.md.
package walcompress

import (
	"errors"
	"io"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/pkg/cli/clikit"
)

const name = "barman-wal-compress"

type cli struct {
	Version kong.VersionFlag `short:"v" help:"Print the version and exit."`
}

// Main runs barman-wal-compress with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Compress or decompress WAL files, as a filter or over a stream of wal_file records.", &c, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	return clikit.Report(stderr, name, clikit.WithHint(errors.New("this stage is not implemented yet"),
		"see man barman-wal-compress for what it will do"))
}
