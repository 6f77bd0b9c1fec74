package barman

import (
	"bytes"
	"errors"
	"github.com/gobarman/barman/pkg/archiving"
	"github.com/gobarman/barman/pkg/server"
	"io"
	"time"

	"github.com/gobarman/barman/pkg/stream"
)

// ArchiveWALCmd is `barman archive-wal SERVER`.
type ArchiveWALCmd struct {
	Server string `arg:"" help:"Server name."`
}

// Run moves the WAL files of incoming/ and streaming/ into the archive.
func (c *ArchiveWALCmd) Run(env *Env) error {
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	return archiveWAL(env, servers[0], 0)
}

// archiveJob is the archiving job of a server, the one the man page
// shows typed by hand as a pipeline of the stage binaries:
//
//	barman-wal-ingest -c CONF SERVER | barman-wal-compress --records -c ALGO | barman-wal-ingest -c CONF commit SERVER
func archiveJob(env *Env, s *server.Server) *archiving.Job {
	return &archiving.Job{Server: s, Archive: s.Archive(env.Log), Hooks: env.Hooks(s), Stderr: env.Stderr}
}

// archiveWAL runs the job under the server's archive-wal lock (wait up
// to wait; 0: fail at once if another run holds it) and prints what it
// archived, as Barman does.
func archiveWAL(env *Env, s *server.Server, wait time.Duration) error {
	var out bytes.Buffer
	err := archiveJob(env, s).RunLocked(env.Ctx, wait, &out)
	if out.Len() == 0 && err != nil {
		return err // it did not run: locked, or no directories
	}
	report(env, s.Name, &out)
	return err
}

// report prints the records of an archiving run in Barman's words.
func report(env *Env, server string, out io.Reader) {
	r := stream.NewReader(out, "archive-wal")
	header := false
	var archived []string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		switch x := rec.(type) {
		case *stream.WALFile:
			if !header {
				env.Out.Info("Processing xlog segments from file archival for %s", server)
				header = true
			}
			env.Out.Info("\t%s", x.Name)
			if x.Status == stream.StatusArchived {
				archived = append(archived, x.Name)
			}
		case *stream.Error:
			env.Out.Error("%s: %s", x.Name, x.Message)
		}
	}
	env.Out.Result(server, map[string]any{"archived": archived})
	if !header {
		env.Out.Info("No xlog segments found from file archival for %s.", server)
	}
}
