package compress

import (
	"context"
	"io"
	"os"
)

// Option configures NewWriter, NewReader, Detect and OpenAuto.
type Option func(*options)

type options struct {
	ctx           context.Context
	compressCmd   string // custom_compression_filter
	decompressCmd string // custom_decompression_filter
	magic         []byte // custom_compression_magic
	server        string // the server's compression option, canonical
	stderr        io.Writer
	prefix        string
}

func collect(opts []Option) *options {
	o := &options{ctx: context.Background(), stderr: os.Stderr}
	for _, opt := range opts {
		opt(o)
	}
	return o
}

// WithCustom sets Barman's custom_compression_filter,
// custom_decompression_filter and custom_compression_magic (see
// ParseMagic; nil for none). The filters are shell commands, run as
// "sh -c FILTER" between stdin and stdout.
func WithCustom(compressFilter, decompressFilter string, magic []byte) Option {
	return func(o *options) {
		o.compressCmd, o.decompressCmd, o.magic = compressFilter, decompressFilter, magic
	}
}

// WithServerCompression tells Detect and OpenAuto the compression option
// of the server whose archived files are read (any name Canonical
// accepts). With custom and no custom magic (see WithCustom), a file whose
// first bytes match no known magic is custom, as Barman identifies it:
// the filter's output cannot be told apart from an uncompressed file.
func WithServerCompression(algo string) Option {
	return func(o *options) { o.server, _ = Canonical(algo) }
}

// WithContext makes a custom filter's process die (its process group is
// killed) when ctx is done.
func WithContext(ctx context.Context) Option {
	return func(o *options) { o.ctx = ctx }
}

// WithStderr sends the standard error of a custom filter to w, each line
// as prefix + "custom_compression_filter: " + line (or
// custom_decompression_filter). The default is os.Stderr with no prefix.
func WithStderr(w io.Writer, prefix string) Option {
	return func(o *options) { o.stderr, o.prefix = w, prefix }
}
