package walcompress

import (
	"context"
	"fmt"
	"io"

	"github.com/gobarman/barman/pkg/compress"
)

// Compress compresses in to out with o.Algo.
func Compress(ctx context.Context, o Options, out io.Writer, in io.Reader) error {
	o.defaults()
	w, err := compress.NewWriter(out, o.Algo, o.Level, o.compressOptions(ctx)...)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, ctxReader{ctx, in})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("compress standard input with %s: %w", o.Algo, err)
	}
	return nil
}

// Decompress decompresses in to out: with o.Algo when known is true, else
// with the algorithm its magic bytes name. It returns the algorithm used
// ("" when none was recognised).
func Decompress(ctx context.Context, o Options, known bool, out io.Writer, in io.Reader) (algo string, err error) {
	o.defaults()
	opts := o.compressOptions(ctx)
	in = ctxReader{ctx, in}
	var r io.ReadCloser
	algo = o.Algo
	if known {
		r, err = compress.NewReader(in, algo, opts...)
	} else {
		r, algo, err = compress.OpenAuto(in, opts...)
	}
	if err == nil {
		_, err = io.Copy(out, r)
		r.Close()
	}
	return algo, err
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
