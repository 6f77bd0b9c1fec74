package archiving

import (
	"context"
	"errors"
	"io"
	"sort"
	"strconv"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/stream"
)

// Commit catalogues in xlog.db every placed wal_file record read from
// in, in WAL name order once the input ends, then removes their sources;
// every other record is passed on to out at once; a summary ends out.
// The post archive hook scripts run after each file.
func (j *Job) Commit(ctx context.Context, in io.Reader, out io.Writer) error {
	c, err := j.Archive.OpenCommitter(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	name := j.Server.Name
	r, w, n := stream.NewReader(in, "<stdin>"), stream.NewWriter(out), newCounts()
	var todo []*stream.WALFile
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *stream.LineError
		if errors.As(err, &le) {
			n.errors++
			w.Write(&stream.Error{Server: name, Stage: CommitStage, Code: stream.CodeBadRecord, Message: le.Error()})
			continue
		}
		if err != nil {
			return err
		}
		if wf, ok := rec.(*stream.WALFile); ok && wf.Status == stream.StatusNew && (wf.Server == "" || wf.Server == name) {
			todo = append(todo, wf)
			continue
		}
		if _, ok := rec.(*stream.Error); ok {
			n.errors++
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	if err := j.commit(ctx, c, todo, w, n); err != nil {
		return err
	}
	if err := w.Write(n.summary(name, CommitStage)); err != nil {
		return err
	}
	return n.err(CommitStage)
}

// commit catalogues the placed files and reports each.
func (j *Job) commit(ctx context.Context, c *archive.Committer, todo []*stream.WALFile, w *stream.Writer, n *counts) error {
	sort.SliceStable(todo, func(i, k int) bool { return todo[i].Name < todo[k].Name })
	errs := c.CommitBatch(todo)
	for i, r := range todo {
		j.postArchive(ctx, r, errs[i])
		if errs[i] != nil {
			n.errors++
			if err := w.Write(&stream.Error{Server: j.Server.Name, Stage: CommitStage, Code: stream.CodeIO, Name: r.Name, Path: r.Path,
				Message: errs[i].Error(), Hint: "the source stays in place; the next barman cron retries it"}); err != nil {
				return err
			}
			continue
		}
		n.add(r)
		if err := w.Write(r); err != nil {
			return err
		}
	}
	return nil
}

// postArchive runs the post archive hook scripts for a committed file.
func (j *Job) postArchive(ctx context.Context, r *stream.WALFile, err error) {
	if h := j.Server.WAL.Hooks; h.Post == "" && h.PostRetry == "" {
		return
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	env := map[string]string{"BARMAN_SEGMENT": r.Name, "BARMAN_FILE": r.Dest, "BARMAN_COMPRESSION": r.Compression,
		"BARMAN_SIZE": strconv.FormatInt(r.Size, 10), "BARMAN_TIMESTAMP": strconv.FormatFloat(catalog.MtimeSeconds(r.MTime), 'f', -1, 64)}
	j.Hooks.Post(ctx, "archive", env, msg)
}
