package walcompress

import (
	"context"
	"io"
	"runtime"

	"github.com/gobarman/barman/pkg/compress"
)

// The exit statuses a summary record announces (the stage binaries'
// documented codes).
const (
	exitOK        = 0
	exitFailure   = 1
	exitInterrupt = 130
)

// Stage is the stage key of this stage's error and summary records.
const Stage = "wal-compress"

// Options are the settings of one run.
type Options struct {
	Algo                string         // canonical algorithm (compress.Canonical); compress.None copies
	Level               compress.Level // compress.ParseLevel for Algo
	CompressionFilter   string         // with compress.Custom: custom_compression_filter
	DecompressionFilter string         // with compress.Custom: custom_decompression_filter
	Magic               []byte         // custom_compression_magic
	Jobs                int            // files compressed at once in record mode; 0: the number of CPUs
	Stderr              io.Writer      // error lines and custom filters' standard error; nil: discarded
	Name                string         // the prefix of those lines; "" : barman-wal-compress
}

func (o *Options) defaults() {
	if o.Jobs <= 0 {
		o.Jobs = runtime.NumCPU()
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Name == "" {
		o.Name = "barman-wal-compress"
	}
}

// compressOptions are the compress options every stream of a run uses.
func (o *Options) compressOptions(ctx context.Context) []compress.Option {
	return []compress.Option{
		compress.WithCustom(o.CompressionFilter, o.DecompressionFilter, o.Magic),
		compress.WithServerCompression(o.Algo),
		compress.WithContext(ctx),
		compress.WithStderr(o.Stderr, o.Name+": "),
	}
}
