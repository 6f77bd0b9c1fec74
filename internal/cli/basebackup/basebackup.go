// Package basebackup is the barman-basebackup stage binary: the copy part
// of `barman backup`, run by the same job (pkg/backupjob). Without a
// directory it takes a backup into the server's catalogue (base/<ID>,
// backup.info, manifest.jsonl) as `barman backup` does, without the
// checks, the hooks and the WAL wait; with a directory it copies the
// backup there and leaves the catalogue alone. Either way it writes the
// backup_file records, then a backup_summary, on standard output.
// cmd/barman-basebackup/main.go only calls Main. See
// man/barman-basebackup.1.md.
package basebackup

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/backupjob"
	"github.com/gobarman/barman/pkg/backups"
	bb "github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/server"
	"github.com/gobarman/barman/pkg/stream"
)

const name = "barman-basebackup"

type cli struct {
	Config      string           `short:"c" help:"Barman configuration file." env:"BARMAN_CONFIG_FILE" placeholder:"FILE"`
	Jobs        int              `short:"j" help:"Parallel copy streams (rsync methods; default: parallel_jobs)."`
	Fast        bool             `name:"immediate-checkpoint" help:"Ask for an immediate checkpoint."`
	NoFast      bool             `name:"no-immediate-checkpoint" help:"Wait for a spread checkpoint (overrides immediate_checkpoint)."`
	Name        string           `help:"A friendly name for the backup (catalogue only)."`
	Label       string           `help:"Backup label (default: 'Barman backup <server> <ID>', or 'barman-basebackup <server>' into a directory)."`
	Bwlimit     int              `name:"bwlimit" placeholder:"KBPS" help:"Limit the copy to KBPS kilobytes per second (default: bandwidth_limit)."`
	ReuseBackup string           `name:"reuse-backup" enum:",off,copy,link" default:"" help:"Reuse unchanged files of the previous backup: off, copy or link (default: reuse_backup)."`
	RetryTimes  int              `name:"retry-times" default:"-1" help:"Retries of a failed copy (default: basebackup_retry_times)."`
	RetrySleep  int              `name:"retry-sleep" default:"-1" help:"Seconds between retries (default: basebackup_retry_sleep)."`
	NoRetry     bool             `name:"no-retry" help:"Do not retry a failed copy."`
	Keepalive   int              `name:"keepalive-interval" default:"-1" placeholder:"SECONDS" help:"Seconds between keepalive queries (rsync methods; default: keepalive_interval; 0: none)."`
	Progress    time.Duration    `default:"5s" placeholder:"INTERVAL" help:"Write a progress record this often (0: never)."`
	Version     kong.VersionFlag `short:"v" help:"Print the version and exit."`
	Server      string           `arg:"" help:"Server name."`
	Directory   string           `arg:"" optional:"" help:"Empty or missing directory that receives the backup, outside the catalogue (data/ and one directory per tablespace OID)."`
}

// Validate checks flags that go together.
func (c *cli) Validate() error {
	if c.Fast && c.NoFast {
		return fmt.Errorf("--immediate-checkpoint and --no-immediate-checkpoint exclude each other")
	}
	if c.Name != "" && backups.IsBackupID(c.Name) {
		return fmt.Errorf("backup name %q looks like a backup ID: choose another", c.Name)
	}
	if c.Name != "" && c.Directory != "" {
		return fmt.Errorf("--name names a backup of the catalogue: it does not go with a DIRECTORY")
	}
	return nil
}

// Main runs barman-basebackup with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Take a PostgreSQL base backup (the copy of 'barman backup') and write its manifest as backup_file records.", &c, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	return clikit.Run(name, stderr, func(ctx context.Context) error { return c.run(ctx, stdout, stderr) })
}

func (c *cli) run(ctx context.Context, stdout, stderr io.Writer) error {
	s, err := c.server(stderr)
	if err != nil {
		return err
	}
	out := &lockedWriter{w: stdout}
	records := stream.NewWriter(out)
	job := &backupjob.Job{Server: s, Options: c.options(), Report: &stderrReport{w: stderr}, ConfigFile: s.Config.MainFile,
		Records: out, SizeFirst: c.Progress > 0, // the server sizes the backup first
		Progress: func(sink *bb.Sink) func() { return progress(records, c.Progress, s.Name, sink) }}
	if c.Directory != "" {
		_, err = job.CopyInto(ctx, c.Directory)
	} else {
		_, err = job.RunCopy(ctx)
	}
	return err
}

// server builds the typed server the command line names.
func (c *cli) server(stderr io.Writer) (*server.Server, error) {
	cfg, err := clikit.LoadConfig(name, c.Config, stderr)
	if err != nil {
		return nil, err
	}
	sec := cfg.Server(c.Server)
	if sec == nil {
		return nil, clikit.WithHint(fmt.Errorf("unknown server %q", c.Server), "'barman list-servers' shows the servers of %s", cfg.MainFile)
	}
	s, err := server.New(cfg, sec)
	if err != nil {
		return nil, clikit.WithHint(err, "fix the server's section in %s", cfg.MainFile)
	}
	return s, nil
}

// options turns the flags into the job's overrides (as `barman backup`).
func (c *cli) options() backupjob.Options {
	o := backupjob.Options{Name: c.Name, Label: c.Label, Jobs: c.Jobs, Bwlimit: c.Bwlimit, Reuse: c.ReuseBackup}
	backupjob.Flags{Immediate: c.Fast, Spread: c.NoFast, Keepalive: c.Keepalive,
		RetryTimes: c.RetryTimes, RetrySleep: c.RetrySleep, NoRetry: c.NoRetry}.Apply(&o)
	return o
}

// progress writes a progress record every interval until stopped.
func progress(w *stream.Writer, interval time.Duration, server string, sink *bb.Sink) (stop func()) {
	return stream.ReportProgress(w, interval, func() stream.Progress {
		files, _ := sink.Totals()
		done, total := sink.Progress()
		return stream.Progress{Server: server, Stage: "basebackup", DoneFiles: files, DoneBytes: done, TotalBytes: total}
	})
}
