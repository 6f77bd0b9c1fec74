package walingest

import (
	"errors"
	"io"
	"sort"
	"strconv"

	"github.com/gobarman/barman/pkg/archive"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/stream"
)

type commitCmd struct {
	Server string `arg:"" help:"Server name."`
}

// Run catalogues every placed wal_file record of its input, in WAL name
// order once the input ends, passing every other record through at once,
// and ends with a summary.
func (cmd *commitCmd) Run(e *runEnv) error {
	s, err := e.server(cmd.Server)
	if err != nil {
		return err
	}
	c, err := s.arch.OpenCommitter(e.ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	r, w, n := stream.NewReader(e.stdin, "<stdin>"), stream.NewWriter(e.stdout), newCounts()
	var todo []*stream.WALFile
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var le *stream.LineError
		if errors.As(err, &le) {
			n.errors++
			w.Write(&stream.Error{Server: s.sec.Name, Stage: "commit", Code: stream.CodeBadRecord, Message: le.Error()})
			continue
		}
		if err != nil {
			return err
		}
		if wf, ok := rec.(*stream.WALFile); ok && wf.Status == stream.StatusNew && (wf.Server == "" || wf.Server == s.sec.Name) {
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
	if err := cmd.commit(e, s, c, todo, w, n); err != nil {
		return err
	}
	if err := w.Write(n.summary(s.sec.Name, "commit")); err != nil {
		return err
	}
	return n.err()
}

// commit catalogues the placed files and reports each.
func (cmd *commitCmd) commit(e *runEnv, s *server, c *archive.Committer, todo []*stream.WALFile, w *stream.Writer, n *counts) error {
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].Name < todo[j].Name })
	errs := c.CommitBatch(todo)
	for i, r := range todo {
		s.postArchive(e, r, errs[i])
		if errs[i] != nil {
			n.errors++
			if err := w.Write(&stream.Error{Server: s.sec.Name, Stage: "commit", Code: stream.CodeIO, Name: r.Name, Path: r.Path,
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

// postArchive runs the post archive hooks for a committed file.
func (s *server) postArchive(e *runEnv, r *stream.WALFile, err error) {
	if s.sec.WAL.Hooks.Post == "" && s.sec.WAL.Hooks.PostRetry == "" {
		return
	}
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	env := map[string]string{"BARMAN_SEGMENT": r.Name, "BARMAN_FILE": r.Dest, "BARMAN_COMPRESSION": r.Compression,
		"BARMAN_SIZE": strconv.FormatInt(r.Size, 10), "BARMAN_TIMESTAMP": strconv.FormatFloat(catalog.MtimeSeconds(r.MTime), 'f', -1, 64)}
	s.hooks.Post(e.ctx, "archive", env, msg)
}
