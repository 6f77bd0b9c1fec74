package backupjob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/check"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/server"
)

// ManifestFile is the name, in base/<ID>/, of the backup's manifest: its
// backup_file records (see barman-stream(5)).
const ManifestFile = "manifest.jsonl"

// Job is the backup of one server.
type Job struct {
	Server  *server.Server
	Options Options
	Report  report.Reporter // the lines Barman prints
	Log     *slog.Logger
	// ConfigFile is the configuration's main file (BARMAN_CONFIGURATION
	// in the hooks' environment).
	ConfigFile string

	// Records, when not nil, receives the records of the copy as they are
	// written (backup_file), an error record (code retry) before each
	// retry, and the final backup_summary: a stage's standard output. Each
	// record is one Write of one line; a writer shared with another
	// goroutine must serialize Writes. The manifest in base/<ID> has the
	// backup_file records either way.
	Records io.Writer
	// Progress shows the progress of the copy into sink (its Progress and
	// Totals) until stop is called; nil shows nothing.
	Progress func(sink *basebackup.Sink) (stop func())
	// SizeFirst asks BASE_BACKUP for the total size before the copy
	// (PROGRESS), so that Progress knows how far it is.
	SizeFirst bool

	// Hooks runs the server's hook scripts; nil: a runner of the
	// server's section without a version (BARMAN_VERSION empty).
	Hooks *hooks.Runner

	// Checks runs `barman check`'s checks for the preflight; nil skips it.
	Checks func(ctx context.Context) []check.Result
	// ArchiveWAL archives the WAL files that arrived, for the WAL wait.
	ArchiveWAL func(ctx context.Context) error
	// PurgeBefore removes the WAL archived before the server's first
	// backup b and returns the names removed.
	PurgeBefore func(ctx context.Context, b *catalog.BackupInfo) ([]string, error)
}

// Result is the outcome of a backup job.
type Result struct {
	ID     string
	Dir    string // base/<ID>, or the directory of CopyInto
	Status catalog.Status
	Info   *catalog.BackupInfo // nil for CopyInto
}

func (j *Job) log() *slog.Logger {
	if j.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return j.Log
}

// Run is `barman backup` of one server: preflight, lock, a new backup
// (EMPTY), the pre backup hooks, the copy with its retries (STARTED, then
// WAITING_FOR_WALS or FAILED), the post backup hooks, and, with the lock
// released, the WAL wait that makes it DONE.
func (j *Job) Run(ctx context.Context) (*Result, error) {
	if err := j.Preflight(ctx); err != nil {
		return nil, err
	}
	lk, err := j.Lock(ctx)
	if err != nil {
		return nil, err
	}
	b, err := j.Begin(ctx)
	if err == nil {
		err = b.WithHooks(ctx, b.Copy)
	}
	lk.Unlock()
	if err != nil {
		return nil, err
	}
	return b.Finish(ctx)
}

// RunCopy is the barman-basebackup stage's part of `barman backup`:
// lock, a new backup, the copy with its retries; no hooks, no WAL wait.
func (j *Job) RunCopy(ctx context.Context) (*Result, error) {
	lk, err := j.Lock(ctx)
	if err != nil {
		return nil, err
	}
	defer lk.Unlock()
	b, err := j.Begin(ctx)
	if err != nil {
		return nil, err
	}
	if err := b.Copy(ctx); err != nil {
		return nil, err
	}
	return b.result(), nil
}

// Preflight runs the checks a backup needs, as Barman does before a
// backup, and refuses to start when a critical one fails.
func (j *Job) Preflight(ctx context.Context) error {
	if j.Checks == nil {
		return nil
	}
	results := j.Checks(ctx)
	var failed []string
	for _, r := range results {
		if !r.OK && r.Critical {
			failed = append(failed, r.Name+" ("+r.Hint+")")
		}
	}
	if check.Failed(results, true) {
		return fmt.Errorf("impossible to start the backup: %s; run 'barman check %s'", strings.Join(failed, "; "), j.Server.Name)
	}
	return nil
}

// Lock takes the server's backup lock: one backup at a time.
func (j *Job) Lock(ctx context.Context) (*lock.Lock, error) {
	s := j.Server
	if err := s.Layout.EnsureDirs(); err != nil {
		return nil, err
	}
	lk, err := lock.Acquire(ctx, lock.File(s.LockDir, s.Name, "backup"), "backup", 0)
	if err != nil {
		var le *lock.LockedError
		if errors.As(err, &le) {
			return nil, fmt.Errorf("another backup process is running for server %s: %w", s.Name, err)
		}
		return nil, err
	}
	return lk, nil
}
