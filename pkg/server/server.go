package server

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/throttle"
)

// Method is a server's backup_method.
type Method string

// The backup methods of Barman.
const (
	Rsync      Method = "rsync"       // tar streams over ssh_command
	LocalRsync Method = "local-rsync" // barman runs on the PostgreSQL host
	Postgres   Method = "postgres"    // BASE_BACKUP over the replication protocol
	Snapshot   Method = "snapshot"    // cloud disk snapshots: refused
)

// Server is one configured server, typed.
type Server struct {
	Name        string
	Description string
	Active      bool

	Conninfo          string
	StreamingConninfo string
	SSHCommand        string          // ssh_command as written ("" when unset)
	SSH               *sshcmd.Command // parsed ssh_command; nil when unset
	CheckTimeout      time.Duration   // 0: no limit

	Layout  *catalog.Layout
	LockDir string

	Backup    Backup
	WAL       WAL
	Streaming Streaming
	Retention Retention
	Recovery  Recovery

	// Section holds every key of the server, for show-servers and hooks.
	Section *config.Section
	// Config is the whole configuration the server was built from.
	Config *config.Config
}

// Backup are the settings of `barman backup`.
type Backup struct {
	Method              Method
	Exclusive           bool // exclusive_backup asked, not concurrent_backup, and not postgres
	ImmediateCheckpoint bool
	Reuse               string           // reuse_backup: "", off, copy or link
	BandwidthLimit      int              // kilobytes per second, 0: none
	TablespaceLimits    map[string]int64 // tablespace name -> kilobytes per second
	NetworkCompression  bool
	ParallelJobs        int // at least 1
	RetryTimes          int
	RetrySleep          time.Duration
	KeepaliveInterval   time.Duration
}

// WAL are the settings of the WAL archive.
type WAL struct {
	Codec             archive.Codec // compression, decompression filter, magic
	CompressionLevel  string
	CompressionFilter string // custom_compression_filter
	ArchiverBatchSize int    // 0: everything waiting
	// Archiver is whether WAL is taken from incoming_wals_directory
	// (archive_command). As Barman 3.4, archiver = off together with
	// streaming_archiver = off is forced on (ArchiverForced says so):
	// a server always has at least one archiver.
	Archiver       bool
	ArchiverForced bool
	Hooks          ArchiveHooks
}

// ArchiveHooks says which archive hook scripts are configured.
type ArchiveHooks struct{ Pre, PreRetry, Post, PostRetry string }

// Retention are the settings of retention and minimum redundancy.
type Retention struct {
	Policy            *config.RetentionPolicy // nil: none
	Mode              string
	MinimumRedundancy int
	LastBackupMaxAge  time.Duration // 0: not checked
}

// Recovery are the settings `barman recover` reads from the server.
type Recovery struct {
	Options      string // recovery_options
	ParallelJobs int    // parallel_jobs as configured (0 when unset)
}

// New builds the Server of section s of cfg.
func New(cfg *config.Config, s *config.Section) (*Server, error) {
	srv := &Server{Name: s.Name, Description: s.Get("description"), Active: s.Bool("active"),
		Conninfo: s.Get("conninfo"), StreamingConninfo: s.Get("streaming_conninfo"),
		SSHCommand: s.Get("ssh_command"), CheckTimeout: seconds(s.Int("check_timeout")),
		Layout: archive.LayoutOf(cfg, s), LockDir: cfg.Global.Get("barman_lock_directory"),
		Section: s, Config: cfg}
	var err error
	if srv.SSHCommand != "" {
		if srv.SSH, err = sshcmd.Parse(srv.SSHCommand); err != nil {
			return nil, srv.errorf("%w", err)
		}
	}
	if srv.Backup, err = backupOf(s); err != nil {
		return nil, srv.errorf("%w", err)
	}
	srv.WAL = walOf(s)
	if srv.Streaming, err = streamingOf(s, srv.Layout.StreamingDir()); err != nil {
		return nil, srv.errorf("%w", err)
	}
	srv.WAL.Archiver = s.Bool("archiver")
	if !srv.WAL.Archiver && !srv.Streaming.Archiver {
		srv.WAL.Archiver, srv.WAL.ArchiverForced = true, true
	}
	if srv.Retention, err = retentionOf(s); err != nil {
		return nil, srv.errorf("%w", err)
	}
	srv.Recovery = Recovery{Options: s.Get("recovery_options"), ParallelJobs: s.Int("parallel_jobs")}
	return srv, nil
}

// All builds every configured server, in configuration order.
func All(cfg *config.Config) ([]*Server, error) {
	out := make([]*Server, 0, len(cfg.Servers))
	for _, s := range cfg.Servers {
		srv, err := New(cfg, s)
		if err != nil {
			return nil, err
		}
		out = append(out, srv)
	}
	return out, nil
}

func (srv *Server) errorf(format string, args ...any) error {
	return fmt.Errorf("server %s: "+format, append([]any{srv.Name}, args...)...)
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

func backupOf(s *config.Section) (Backup, error) {
	b := Backup{Method: Method(s.Get("backup_method")), ImmediateCheckpoint: s.Bool("immediate_checkpoint"),
		Reuse: s.Get("reuse_backup"), BandwidthLimit: s.Int("bandwidth_limit"),
		NetworkCompression: s.Bool("network_compression"), ParallelJobs: max(1, s.Int("parallel_jobs")),
		RetryTimes: s.Int("basebackup_retry_times"), RetrySleep: seconds(s.Int("basebackup_retry_sleep")),
		KeepaliveInterval: seconds(s.Int("keepalive_interval"))}
	var opts []string
	for _, o := range strings.Split(s.Get("backup_options"), ",") {
		opts = append(opts, strings.TrimSpace(o))
	}
	b.Exclusive = slices.Contains(opts, "exclusive_backup") && !slices.Contains(opts, "concurrent_backup") && b.Method != Postgres
	var err error
	if b.TablespaceLimits, err = throttle.ParseTablespaceLimits(s.Get("tablespace_bandwidth_limit")); err != nil {
		return b, fmt.Errorf("tablespace_bandwidth_limit: %w", err)
	}
	return b, nil
}

func walOf(s *config.Section) WAL {
	return WAL{Codec: archive.CodecOf(s), CompressionLevel: s.Get("compression_level"),
		CompressionFilter: s.Get("custom_compression_filter"), ArchiverBatchSize: s.Int("archiver_batch_size"),
		Hooks: ArchiveHooks{Pre: s.Get("pre_archive_script"), PreRetry: s.Get("pre_archive_retry_script"),
			Post: s.Get("post_archive_script"), PostRetry: s.Get("post_archive_retry_script")}}
}

func retentionOf(s *config.Section) (Retention, error) {
	r := Retention{Mode: s.Get("retention_policy_mode"), MinimumRedundancy: s.Int("minimum_redundancy")}
	if text := s.Get("retention_policy"); text != "" {
		p, err := config.ParseRetentionPolicy(text)
		if err != nil {
			return r, fmt.Errorf("retention_policy: %w", err)
		}
		r.Policy = &p
	}
	if text := s.Get("last_backup_maximum_age"); text != "" {
		d, err := config.ParseInterval(text)
		if err != nil {
			return r, fmt.Errorf("last_backup_maximum_age: %w", err)
		}
		r.LastBackupMaxAge = d
	}
	return r, nil
}

// BackupCompression returns the server's backup_compression settings,
// refused when the backup method cannot use them.
func (srv *Server) BackupCompression() (basebackup.Compression, error) {
	return basebackup.CompressionFromConfig(srv.Section.Get, string(srv.Backup.Method))
}

// ReplicationConninfo is the connection string for the replication
// protocol: streaming_conninfo, or conninfo when it is unset.
func (srv *Server) ReplicationConninfo() string {
	if srv.StreamingConninfo != "" {
		return srv.StreamingConninfo
	}
	return srv.Conninfo
}

// BackupSSH is the ssh_command a backup of the rsync method runs; nil for
// the methods that do not use one (local-rsync, postgres).
func (srv *Server) BackupSSH() (*sshcmd.Command, error) {
	if srv.Backup.Method != Rsync {
		return nil, nil
	}
	if srv.SSH == nil {
		return nil, fmt.Errorf("server %s has backup_method = rsync but no ssh_command: set ssh_command (e.g. ssh postgres@pg), or backup_method = local-rsync when barman runs on the PostgreSQL host", srv.Name)
	}
	return srv.SSH, nil
}

// Archive returns the server's WAL archive.
func (srv *Server) Archive(log *slog.Logger) *archive.Archive {
	return &archive.Archive{Layout: srv.Layout, Server: srv.Name, LockDir: srv.LockDir, Log: log, Codec: srv.WAL.Codec}
}

// LiveStatus connects to the server's PostgreSQL (conninfo) and reads its
// status, bounded by check_timeout.
func (srv *Server) LiveStatus(ctx context.Context) (*postgres.Status, error) {
	if srv.Conninfo == "" {
		return nil, fmt.Errorf("conninfo is not set for server %q", srv.Name)
	}
	return postgres.StatusOf(ctx, srv.Conninfo, srv.CheckTimeout)
}
