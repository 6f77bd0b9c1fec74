// Package walcompress is the barman-wal-compress stage binary: compress or
// decompress WAL files, as a filter or over a stream of wal_file records.
// The work is pkg/walcompress's; this package parses the flags.
// cmd/barman-wal-compress/main.go only calls Main. See man/barman-wal-compress.1.md.
package walcompress

import (
	"context"
	"errors"
	lib "github.com/gobarman/barman/pkg/walcompress"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/compress"
)

const (
	name  = "barman-wal-compress"
	stage = lib.Stage // the stage key of our error and summary records
)

type cli struct {
	Compression string `short:"c" placeholder:"ALGO" help:"Compress with ALGO: ${algos}. With -d: decompress with ALGO instead of recognising it."`
	Level       string `short:"l" aliases:"compression-level" placeholder:"LEVEL" help:"Barman's compression_level: low, medium (default), high or an integer, clamped to the algorithm's range."`
	Decompress  bool   `short:"d" help:"Decompress standard input to standard output; the algorithm is recognised from the magic bytes."`
	Records     bool   `help:"Record mode: read wal_file records, compress each file from its path into its dest, write the records back."`
	Jobs        int    `short:"j" placeholder:"N" help:"Record mode: files compressed at once (default: the number of CPUs)."`

	CustomCompressionFilter   string `placeholder:"CMD" help:"With -c custom: shell command compressing its stdin to its stdout (custom_compression_filter)."`
	CustomDecompressionFilter string `placeholder:"CMD" help:"With -c custom: shell command decompressing its stdin to its stdout (custom_decompression_filter)."`
	CustomCompressionMagic    string `placeholder:"0xHEX" help:"First bytes of custom-compressed files, e.g. 0x28b52ffd (custom_compression_magic)."`

	Version kong.VersionFlag `short:"v" help:"Print the version and exit."`

	algo  string // canonical; compress.None when -c is not given
	level compress.Level
	magic []byte
}

// Validate checks the flags together; kong reports its error as a usage
// error (exit 2).
func (c *cli) Validate() error {
	var err error
	if c.algo, err = compress.Canonical(c.Compression); err != nil {
		return err
	}
	if c.level, err = compress.ParseLevel(c.Level, c.algo); err != nil {
		return err
	}
	if c.magic, err = compress.ParseMagic(c.CustomCompressionMagic); err != nil {
		return err
	}
	switch {
	case c.Decompress && c.Records:
		return errors.New("-d and --records cannot be used together")
	case !c.Decompress && !c.Records && c.Compression == "":
		return errors.New("one of -c ALGO, -d or --records is needed")
	case c.Jobs < 0:
		return errors.New("-j must be 1 or more")
	case c.algo == compress.Custom && c.Decompress && c.CustomDecompressionFilter == "":
		return errors.New("-d -c custom needs --custom-decompression-filter")
	case c.algo == compress.Custom && !c.Decompress && c.CustomCompressionFilter == "":
		return errors.New("-c custom needs --custom-compression-filter")
	}
	if c.Jobs == 0 {
		c.Jobs = runtime.NumCPU()
	}
	return nil
}

// options are the library's options for this run.
func (c *cli) options(stderr io.Writer) lib.Options {
	return lib.Options{Algo: c.algo, Level: c.level, CompressionFilter: c.CustomCompressionFilter,
		DecompressionFilter: c.CustomDecompressionFilter, Magic: c.magic, Jobs: c.Jobs, Stderr: stderr, Name: name}
}

// Main runs barman-wal-compress with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Compress or decompress WAL files, as a filter or over a stream of wal_file records.",
		&c, args, stdout, stderr, kong.Vars{"algos": compress.Accepted})
	if kctx == nil {
		return code
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	run := c.runFilter
	if c.Records {
		run = c.runRecords
	}
	err := runInterruptible(ctx, func() error { return run(ctx, stdin, stdout, stderr) })
	if ctx.Err() != nil && err != nil {
		return clikit.ExitInterrupt
	}
	return clikit.Report(stderr, name, err)
}

// gracePeriod is how long the work may take to stop after an interrupt
// (removing its temporary files, writing the summary) before Main returns
// anyway: a read of stdin cannot be interrupted.
const gracePeriod = 3 * time.Second

func runInterruptible(ctx context.Context, work func() error) error {
	done := make(chan error, 1)
	go func() { done <- work() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	select {
	case err := <-done:
		return err
	case <-time.After(gracePeriod):
		return ctx.Err()
	}
}
