package walcompress

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/gobarman/barman/internal/cli/clikit"
	lib "github.com/gobarman/barman/pkg/walcompress"
)

// runFilter compresses (-c) or decompresses (-d) stdin to stdout.
func (c *cli) runFilter(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	out := bufio.NewWriterSize(stdout, 256<<10)
	o := c.options(stderr)
	var err error
	if c.Decompress {
		var algo string
		algo, err = lib.Decompress(ctx, o, c.Compression != "", out, stdin)
		if err != nil && ctx.Err() == nil {
			if algo == "" {
				algo = "unknown format"
			}
			err = clikit.WithHint(fmt.Errorf("decompress standard input (%s): %w", algo, err),
				"the input is truncated, corrupt or not in that format")
		}
	} else {
		err = lib.Compress(ctx, o, out, stdin)
	}
	if err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write standard output: %w", err)
	}
	return nil
}

// runRecords is record mode: the library's Records, under the memory
// limit this process can afford (it runs nothing else).
func (c *cli) runRecords(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	defer lib.LimitMemory(c.Jobs)()
	return lib.Records(ctx, c.options(stderr), stdin, stdout)
}
