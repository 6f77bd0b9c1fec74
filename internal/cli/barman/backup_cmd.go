package barman

import (
	"context"
	"errors"
	"fmt"
	"github.com/gobarman/barman/internal/cli/clikit"
	"sync"
	"time"

	"github.com/gobarman/barman/pkg/backupjob"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/check"
	"github.com/gobarman/barman/pkg/server"
)

// BackupCmd is `barman backup SERVER...|all`.
type BackupCmd struct {
	ImmediateCheckpoint   bool     `name:"immediate-checkpoint" help:"Ask PostgreSQL for an immediate checkpoint at the start."`
	NoImmediateCheckpoint bool     `name:"no-immediate-checkpoint" help:"Wait for a spread checkpoint (overrides immediate_checkpoint)."`
	Name                  string   `help:"A friendly name for the backup, usable instead of its ID."`
	Jobs                  int      `short:"j" help:"Parallel copy streams (default: parallel_jobs)."`
	ReuseBackup           string   `name:"reuse-backup" enum:",off,copy,link" default:"" help:"Reuse unchanged files of the previous backup: off, copy or link (hard links)."`
	Wait                  bool     `short:"w" help:"Wait until the WAL files the backup needs are archived (status DONE)."`
	WaitTimeout           int      `name:"wait-timeout" help:"Seconds to wait with --wait (0: forever)."`
	RetryTimes            int      `name:"retry-times" default:"-1" help:"Retries of a failed copy (default: basebackup_retry_times)."`
	RetrySleep            int      `name:"retry-sleep" default:"-1" help:"Seconds between retries (default: basebackup_retry_sleep)."`
	NoRetry               bool     `name:"no-retry" help:"Do not retry a failed copy."`
	Parallel              bool     `help:"With several servers or 'all': back them up at the same time."`
	Bwlimit               int      `name:"bwlimit" placeholder:"KBPS" help:"Limit the copy to KBPS kilobytes per second (default: bandwidth_limit; 0: no limit)."`
	KeepaliveInterval     int      `name:"keepalive-interval" default:"-1" placeholder:"SECONDS" help:"Seconds between keepalive queries during an rsync backup (default: keepalive_interval; 0: none)."`
	Servers               []string `arg:"" name:"server" help:"Server names, or 'all'."`
}

// Validate checks flags that go together.
func (c *BackupCmd) Validate() error {
	if c.ImmediateCheckpoint && c.NoImmediateCheckpoint {
		return errors.New("--immediate-checkpoint and --no-immediate-checkpoint exclude each other")
	}
	if c.Name != "" && backups.IsBackupID(c.Name) {
		return fmt.Errorf("backup name %q looks like a backup ID: choose another", c.Name)
	}
	return nil
}

// Run backs up each server, one after the other unless --parallel.
func (c *BackupCmd) Run(env *Env) error {
	servers, err := env.Servers(c.Servers)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var failed []string
	one := func(s *server.Server) {
		if _, err := backupJob(env, s, c.options()).Run(env.Ctx); err != nil {
			mu.Lock()
			failed = append(failed, s.Name)
			mu.Unlock()
			env.Out.Error("Backup failed for server %s: %v", s.Name, err)
		}
	}
	if c.Parallel {
		var wg sync.WaitGroup
		for _, s := range servers {
			wg.Add(1)
			go func() { defer wg.Done(); one(s) }()
		}
		wg.Wait()
	} else {
		for _, s := range servers {
			one(s)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("backup failed for %v", failed)
	}
	return nil
}

// options turns the flags into the job's overrides.
func (c *BackupCmd) options() backupjob.Options {
	o := backupjob.Options{Name: c.Name, Jobs: c.Jobs, Bwlimit: c.Bwlimit, Reuse: c.ReuseBackup,
		Wait: c.Wait, WaitTimeout: time.Duration(c.WaitTimeout) * time.Second}
	backupjob.Flags{Immediate: c.ImmediateCheckpoint, Spread: c.NoImmediateCheckpoint, Keepalive: c.KeepaliveInterval,
		RetryTimes: c.RetryTimes, RetrySleep: c.RetrySleep, NoRetry: c.NoRetry}.Apply(&o)
	return o
}

// backupJob wires the backup job of s to the front-end: its output, the
// checks, WAL archiving and the removal of WAL before the first backup.
func backupJob(env *Env, s *server.Server, o backupjob.Options) *backupjob.Job {
	return &backupjob.Job{Server: s, Options: o, Report: env.Out, Log: env.Log, ConfigFile: env.Cfg.MainFile, Hooks: env.Hooks(s),
		Progress:    func(sink *basebackup.Sink) func() { return clikit.ShowProgress(env.Stderr, sink.Progress) },
		SizeFirst:   clikit.IsTerminal(env.Stderr),
		Checks:      func(context.Context) []check.Result { return runChecks(env, s) },
		ArchiveWAL:  func(context.Context) error { return archiveWAL(env, s, 30*time.Second) },
		PurgeBefore: env.Remover(s).PurgeBefore,
	}
}
