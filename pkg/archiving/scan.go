package archiving

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/stream"
)

// ScanOptions say which files Scan checks.
type ScanOptions struct {
	// Source is "incoming", "streaming" or "all" (both directories).
	Source string
	// Paths, when not nil, are checked instead of scanning directories.
	Paths []string
	// BatchSize is the most files taken per directory; 0: all; negative:
	// the server's archiver_batch_size for incoming/ and
	// streaming_archiver_batch_size for streaming/.
	BatchSize int
}

// Scan checks the files that arrived (streaming/ first, then incoming/,
// sorted by name, as Barman takes them) and writes to out a wal_file
// record for each, with its place in the archive, or an error record,
// then a summary. The pre archive hook scripts run before each file; a
// retry script that asks to stop ends the scan.
func (j *Job) Scan(ctx context.Context, o ScanOptions, out io.Writer) error {
	paths := o.Paths
	if paths == nil {
		var err error
		if paths, err = j.arrived(o); err != nil {
			return err
		}
	}
	cat := &lazyCatalogued{arch: j.Archive, paths: paths}
	w := stream.NewWriter(out)
	n := newCounts()
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := j.preArchive(ctx, p); errors.Is(err, hooks.ErrAbortStop) {
			break
		}
		if err := j.inspect(ctx, p, cat, w, n); err != nil {
			return err
		}
	}
	if err := w.Write(n.summary(j.Server.Name, ScanStage)); err != nil {
		return err
	}
	return n.err(ScanStage)
}

func (j *Job) inspect(ctx context.Context, p string, cat *lazyCatalogued, w *stream.Writer, n *counts) error {
	exp, err := j.Archive.Expect()
	if err != nil {
		return err
	}
	res := j.Archive.Inspect(ctx, p, exp, cat.has)
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

// arrived lists the files to check, sorted by name within each directory:
// streaming/ first, then incoming/, as Barman processes them.
func (j *Job) arrived(o ScanOptions) ([]string, error) {
	var out []string
	l := j.Archive.Layout
	for _, d := range []struct {
		dir       string
		streaming bool
		source    string
	}{{l.StreamingDir(), true, "streaming"}, {l.IncomingDir(), false, "incoming"}} {
		if o.Source != "" && o.Source != "all" && o.Source != d.source {
			continue
		}
		batch := o.BatchSize
		if batch < 0 && d.streaming {
			batch = j.Server.Streaming.BatchSize // streaming_archiver_batch_size
		} else if batch < 0 {
			batch = j.Server.WAL.ArchiverBatchSize // archiver_batch_size
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

// preArchive runs the pre archive hook scripts for a file.
func (j *Job) preArchive(ctx context.Context, p string) error {
	if h := j.Server.WAL.Hooks; h.Pre == "" && h.PreRetry == "" {
		return nil
	}
	env := map[string]string{"BARMAN_SEGMENT": filepath.Base(p), "BARMAN_FILE": p, "BARMAN_COMPRESSION": ""}
	if st, err := os.Stat(p); err == nil {
		env["BARMAN_SIZE"] = strconv.FormatInt(st.Size(), 10)
		env["BARMAN_TIMESTAMP"] = strconv.FormatFloat(catalog.MtimeSeconds(st.ModTime()), 'f', -1, 64)
	}
	return j.Hooks.Pre(ctx, "archive", env)
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
