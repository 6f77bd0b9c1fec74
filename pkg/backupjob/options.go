package backupjob

import (
	"time"

	"github.com/gobarman/barman/pkg/server"
)

// Checkpoint says which checkpoint the backup asks PostgreSQL for.
type Checkpoint int

// The checkpoint choices: the server's immediate_checkpoint, or forced.
const (
	CheckpointDefault   Checkpoint = iota // immediate_checkpoint
	CheckpointImmediate                   // --immediate-checkpoint
	CheckpointSpread                      // --no-immediate-checkpoint
)

// Options are the command-line overrides of a server's backup settings.
// The zero value takes every setting from the server.
type Options struct {
	Checkpoint Checkpoint
	Name       string // backup_name ("": none)
	Label      string // the label PostgreSQL records ("": "Barman backup SERVER ID")
	Jobs       int    // parallel copy streams (0: parallel_jobs)
	Bwlimit    int    // kilobytes per second (0: bandwidth_limit)
	Reuse      string // off, copy or link ("": reuse_backup)
	// RetryTimes and RetrySleep override basebackup_retry_times and
	// basebackup_retry_sleep when not nil.
	RetryTimes *int
	RetrySleep *time.Duration
	// Keepalive overrides keepalive_interval when not nil (0: none).
	Keepalive *time.Duration
	// Wait keeps archiving WAL after the copy until the backup is DONE,
	// for at most WaitTimeout (0: forever).
	Wait        bool
	WaitTimeout time.Duration
}

// immediate reports whether to ask for an immediate checkpoint.
func (o *Options) immediate(s *server.Server) bool {
	switch o.Checkpoint {
	case CheckpointImmediate:
		return true
	case CheckpointSpread:
		return false
	}
	return s.Backup.ImmediateCheckpoint
}

// bwlimit is the copy's limit in kilobytes per second (0: none).
func (o *Options) bwlimit(s *server.Server) int {
	if o.Bwlimit > 0 {
		return o.Bwlimit
	}
	return s.Backup.BandwidthLimit
}

func (o *Options) keepalive(s *server.Server) time.Duration {
	if o.Keepalive != nil {
		return *o.Keepalive
	}
	return s.Backup.KeepaliveInterval
}

func (o *Options) jobs(s *server.Server) int {
	if o.Jobs > 0 {
		return o.Jobs
	}
	return s.Backup.ParallelJobs
}

func (o *Options) retries(s *server.Server) (int, time.Duration) {
	times, sleep := s.Backup.RetryTimes, s.Backup.RetrySleep
	if o.RetryTimes != nil {
		times = *o.RetryTimes
	}
	if o.RetrySleep != nil {
		sleep = *o.RetrySleep
	}
	return times, sleep
}

func (o *Options) reuse(s *server.Server) string {
	if o.Reuse != "" {
		return o.Reuse
	}
	return s.Backup.Reuse
}

// Mode is the backup's mode in backup.info for the server's method.
func Mode(s *server.Server) string {
	switch s.Backup.Method {
	case server.Postgres:
		return "postgres"
	case server.LocalRsync:
		return "local-rsync-concurrent"
	}
	return "rsync-concurrent"
}

// Flags are overrides as a command line gives them: a negative number is
// an option not given; seconds for durations.
type Flags struct {
	Immediate, Spread      bool // --immediate-checkpoint, --no-immediate-checkpoint
	Keepalive              int  // --keepalive-interval
	RetryTimes, RetrySleep int  // --retry-times, --retry-sleep
	NoRetry                bool // --no-retry: no retry whatever the configuration
}

// Apply sets the overrides f gives in o.
func (f Flags) Apply(o *Options) {
	switch {
	case f.Immediate:
		o.Checkpoint = CheckpointImmediate
	case f.Spread:
		o.Checkpoint = CheckpointSpread
	}
	if f.Keepalive >= 0 {
		o.Keepalive = seconds(f.Keepalive)
	}
	if f.RetryTimes >= 0 {
		n := f.RetryTimes
		o.RetryTimes = &n
	}
	if f.RetrySleep >= 0 {
		o.RetrySleep = seconds(f.RetrySleep)
	}
	if f.NoRetry {
		zero := 0
		o.RetryTimes, o.RetrySleep = &zero, seconds(0)
	}
}

func seconds(n int) *time.Duration {
	d := time.Duration(n) * time.Second
	return &d
}
