package walingest

import (
	"github.com/gobarman/barman/pkg/archiving"
	"os"

	"github.com/gobarman/barman/pkg/stream"
)

type scanCmd struct {
	Source    string `enum:"incoming,streaming,all" default:"all" help:"Which directories to scan: incoming, streaming or all."`
	FilesFrom string `name:"files-from" placeholder:"FILE" help:"Check the paths listed in FILE ('-' for standard input) instead of scanning directories."`
	Null      bool   `short:"0" help:"With --files-from: paths are NUL-separated (any byte but NUL may appear in a name)."`
	BatchSize int    `name:"batch-size" help:"At most this many files per directory (0: archiver_batch_size)." default:"-1"`
	Server    string `arg:"" help:"Server name."`
}

func (cmd *scanCmd) Run(e *runEnv) error {
	s, err := e.server(cmd.Server)
	if err != nil {
		return err
	}
	o := archiving.ScanOptions{Source: cmd.Source, BatchSize: cmd.BatchSize}
	if cmd.FilesFrom != "" {
		if o.Paths, err = readPaths(e, cmd.FilesFrom, cmd.Null); err != nil {
			return err
		}
		if o.Paths == nil {
			o.Paths = []string{}
		}
	}
	return s.job.Scan(e.ctx, o, e.stdout)
}

func readPaths(e *runEnv, from string, null bool) ([]string, error) {
	r := e.stdin
	if from != "-" {
		f, err := os.Open(from)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	if null {
		return stream.ReadPathsNUL(r)
	}
	return stream.ReadPathsLines(r)
}
