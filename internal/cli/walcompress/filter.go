package walcompress

import (
	"bufio"
	"context"
	"fmt"
	"io"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/compress"
)

// runFilter compresses (-c) or decompresses (-d) stdin to stdout.
func (c *cli) runFilter(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	in := ctxReader{ctx, stdin}
	out := bufio.NewWriterSize(stdout, 256<<10)
	var err error
	if c.Decompress {
		err = c.decompressStream(ctx, out, in, stderr)
	} else {
		err = c.compressStream(ctx, out, in, stderr)
	}
	if err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write standard output: %w", err)
	}
	return nil
}

func (c *cli) compressStream(ctx context.Context, out io.Writer, in io.Reader, stderr io.Writer) error {
	w, err := compress.NewWriter(out, c.algo, c.level, c.options(ctx, stderr)...)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, in)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("compress standard input with %s: %w", c.algo, err)
	}
	return nil
}

func (c *cli) decompressStream(ctx context.Context, out io.Writer, in io.Reader, stderr io.Writer) error {
	opts := c.options(ctx, stderr)
	var r io.ReadCloser
	var err error
	algo := c.algo
	if c.Compression != "" {
		r, err = compress.NewReader(in, algo, opts...)
	} else {
		r, algo, err = compress.OpenAuto(in, opts...)
	}
	if err == nil {
		_, err = io.Copy(out, r)
		r.Close()
	}
	if err != nil && ctx.Err() == nil {
		if algo == "" {
			algo = "unknown format"
		}
		return clikit.WithHint(fmt.Errorf("decompress standard input (%s): %w", algo, err),
			"the input is truncated, corrupt or not in that format")
	}
	return err
}

// ctxReader stops a copy when ctx is done (SIGINT, SIGTERM).
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
