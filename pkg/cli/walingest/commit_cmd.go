package walingest

import (
	"errors"
	"io"
	"strconv"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/stream"
)

type commitCmd struct {
	Server string `arg:"" help:"Server name."`
}

// Run catalogues every placed wal_file record of its input, passing every
// other record through, and ends with a summary.
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
		if err := cmd.one(e, s, c, rec, w, n); err != nil {
			return err
		}
	}
	if err := w.Write(n.summary(s.sec.Name, "commit")); err != nil {
		return err
	}
	return n.err()
}

func (cmd *commitCmd) one(e *runEnv, s *server, c interface {
	Commit(*stream.WALFile) error
}, rec stream.Record, w *stream.Writer, n *counts) error {
	switch r := rec.(type) {
	case *stream.WALFile:
		if r.Status != stream.StatusNew || r.Server != "" && r.Server != s.sec.Name {
			return w.Write(r)
		}
		err := c.Commit(r)
		s.postArchive(e, r, err)
		if err != nil {
			n.errors++
			return w.Write(&stream.Error{Server: s.sec.Name, Stage: "commit", Code: stream.CodeIO, Name: r.Name, Path: r.Path,
				Message: err.Error(), Hint: "the source stays in place; the next barman cron retries it"})
		}
		n.add(r)
		return w.Write(r)
	case *stream.Error:
		n.errors++
		return w.Write(r)
	case *stream.Summary:
		return w.Write(r) // an upstream stage's summary: its errors came as records
	}
	return w.Write(rec)
}

// postArchive runs the post archive hooks for a committed file.
func (s *server) postArchive(e *runEnv, r *stream.WALFile, err error) {
	if s.sec.Get("post_archive_script") == "" && s.sec.Get("post_archive_retry_script") == "" {
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
