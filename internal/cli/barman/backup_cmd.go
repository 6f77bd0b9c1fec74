package barman

import (
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/server"
	"sync"
	"time"
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
	if c.Name != "" && backupIDPattern.MatchString(c.Name) {
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
		if err := c.backup(env, s); err != nil {
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

func (c *BackupCmd) fast(s *server.Server) bool {
	switch {
	case c.ImmediateCheckpoint:
		return true
	case c.NoImmediateCheckpoint:
		return false
	}
	return s.Backup.ImmediateCheckpoint
}

// bwlimit is the copy's limit in kilobytes per second (0: none).
func (c *BackupCmd) bwlimit(s *server.Server) int {
	if c.Bwlimit > 0 {
		return c.Bwlimit
	}
	return s.Backup.BandwidthLimit
}

func (c *BackupCmd) keepalive(s *server.Server) time.Duration {
	if c.KeepaliveInterval >= 0 {
		return time.Duration(c.KeepaliveInterval) * time.Second
	}
	return s.Backup.KeepaliveInterval
}

func (c *BackupCmd) jobs(s *server.Server) int {
	if c.Jobs > 0 {
		return c.Jobs
	}
	return s.Backup.ParallelJobs
}

func (c *BackupCmd) retries(s *server.Server) (int, time.Duration) {
	if c.NoRetry {
		return 0, 0
	}
	times, sleep := s.Backup.RetryTimes, s.Backup.RetrySleep
	if c.RetryTimes >= 0 {
		times = c.RetryTimes
	}
	if c.RetrySleep >= 0 {
		sleep = time.Duration(c.RetrySleep) * time.Second
	}
	return times, sleep
}

func (c *BackupCmd) reuse(s *server.Server) string {
	if c.ReuseBackup != "" {
		return c.ReuseBackup
	}
	return s.Backup.Reuse
}
