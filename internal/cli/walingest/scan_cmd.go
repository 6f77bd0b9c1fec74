package walingest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/stream"
)

type scanCmd struct {
	Source    string `enum:"incoming,streaming,all" default:"all" help:"Which directories to scan: incoming, streaming or all."`
	FilesFrom string `name:"files-from" placeholder:"FILE" help:"Check the paths listed in FILE ('-' for standard input) instead of scanning directories."`
	Null      bool   `short:"0" help:"With --files-from: paths are NUL-separated (any byte but NUL may appear in a name)."`
	BatchSize int    `name:"batch-size" help:"At most this many files per directory (0: archiver_batch_size)." default:"-1"`
	Server    string `arg:"" help:"Server name."`
}

// counts tallies one stage's records for its summary.
type counts struct {
	start    time.Time
	files    int64
	bytes    int64
	errors   int64
	statuses map[string]int64
}

func newCounts() *counts { return &counts{start: time.Now(), statuses: map[string]int64{}} }

func (c *counts) add(r *stream.WALFile) {
	c.files++
	c.bytes += r.Size
	c.statuses[r.Status]++
}

func (c *counts) summary(server, stage string) *stream.Summary {
	exit := 0
	if c.errors > 0 {
		exit = 1
	}
	return &stream.Summary{Server: server, Stage: stage, Files: c.files, Bytes: c.bytes, Errors: c.errors,
		Statuses: c.statuses, ElapsedSeconds: time.Since(c.start).Seconds(), ExitStatus: exit}
}

func (c *counts) err() error {
	if c.errors > 0 {
		return &clikit.ExitError{Code: clikit.ExitFailure}
	}
	return nil
}

func (cmd *scanCmd) Run(e *runEnv) error {
	s, err := e.server(cmd.Server)
	if err != nil {
		return err
	}
	paths, err := cmd.paths(e, s)
	if err != nil {
		return err
	}
	cat := &lazyCatalogued{arch: s.arch, paths: paths}
	w := stream.NewWriter(e.stdout)
	n := newCounts()
	for _, p := range paths {
		if err := e.ctx.Err(); err != nil {
			return err
		}
		if err := s.preArchive(e, p); errors.Is(err, hooks.ErrAbortStop) {
			break
		}
		if err := cmd.inspect(e, s, p, cat, w, n); err != nil {
			return err
		}
	}
	if err := w.Write(n.summary(s.sec.Name, "ingest")); err != nil {
		return err
	}
	return n.err()
}

func (cmd *scanCmd) inspect(e *runEnv, s *server, p string, cat *lazyCatalogued, w *stream.Writer, n *counts) error {
	exp, err := s.arch.Expect()
	if err != nil {
		return err
	}
	res := s.arch.Inspect(e.ctx, p, exp, cat.has)
	switch {
	case res.Error != nil:
		n.errors++
		return w.Write(res.Error)
	case res.Record != nil:
		n.add(res.Record)
		return w.Write(res.Record)
	case res.Dropped != nil:
		n.add(res.Dropped)
		return w.Write(res.Dropped)
	}
	return nil
}

// paths lists the files to check, sorted by name within each directory:
// streaming/ first, then incoming/, as Barman processes them.
func (cmd *scanCmd) paths(e *runEnv, s *server) ([]string, error) {
	if cmd.FilesFrom != "" {
		return readPaths(e, cmd.FilesFrom, cmd.Null)
	}
	batch := cmd.BatchSize
	if batch < 0 {
		batch = s.sec.WAL.ArchiverBatchSize
	}
	var out []string
	l := s.arch.Layout
	for _, d := range []struct {
		dir       string
		streaming bool
		source    string
	}{{l.StreamingDir(), true, "streaming"}, {l.IncomingDir(), false, "incoming"}} {
		if cmd.Source != "all" && cmd.Source != d.source {
			continue
		}
		names, err := archive.Scan(d.dir, d.streaming, batch)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", d.dir, err)
		}
		for _, name := range names {
			out = append(out, filepath.Join(d.dir, name))
		}
	}
	return out, nil
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

// preArchive runs the pre archive hooks for a file.
func (s *server) preArchive(e *runEnv, p string) error {
	if s.sec.WAL.Hooks.Pre == "" && s.sec.WAL.Hooks.PreRetry == "" {
		return nil
	}
	env := map[string]string{"BARMAN_SEGMENT": filepath.Base(p), "BARMAN_FILE": p, "BARMAN_COMPRESSION": ""}
	if st, err := os.Stat(p); err == nil {
		env["BARMAN_SIZE"] = strconv.FormatInt(st.Size(), 10)
		env["BARMAN_TIMESTAMP"] = strconv.FormatFloat(catalog.MtimeSeconds(st.ModTime()), 'f', -1, 64)
	}
	return s.hooks.Pre(e.ctx, "archive", env)
}

// lazyCatalogued answers whether a file is in xlog.db, reading xlog.db
// once, for the files of the run, the first time it is asked: only a
// file already in the archive (a duplicate, or a run killed before its
// commit) makes it read.
type lazyCatalogued struct {
	arch  *archive.Archive
	paths []string
	names map[string]bool
}

// has reports whether name is catalogued. When xlog.db cannot be read it
// says no: the commit step looks again before it appends anything.
func (l *lazyCatalogued) has(name string) bool {
	if l.names == nil {
		bases := make([]string, len(l.paths))
		for i, p := range l.paths {
			bases[i] = filepath.Base(p)
		}
		var err error
		if l.names, err = l.arch.CataloguedAmong(bases); err != nil {
			l.names = map[string]bool{}
		}
	}
	return l.names[name]
}
