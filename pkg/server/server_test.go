package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/config"
)

func load(t *testing.T, extra string) (*Server, error) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "/home\n[pg]\nconninfo = host=pg\n" + extra
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return New(cfg, cfg.Server("pg"))
}

func TestNew(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		check      func(*Server) bool
	}{
		{"defaults", "", func(s *Server) bool {
			return s.Backup.Method == Rsync && s.Active && s.Backup.ParallelJobs == 1 && !s.Backup.Exclusive &&
				s.Retention.Policy == nil && s.SSH == nil && s.CheckTimeout == 30*time.Second &&
				s.Layout.WALsDir() == filepath.Join(filepath.Dir(s.Layout.BackupDir()), "pg", "wals")
		}},
		{"postgres method, streaming conninfo", "backup_method = postgres\nstreaming_conninfo = host=pg user=streaming_barman", func(s *Server) bool {
			return s.Backup.Method == Postgres && s.ReplicationConninfo() == "host=pg user=streaming_barman"
		}},
		{"replication falls back to conninfo", "backup_method = postgres", func(s *Server) bool { return s.ReplicationConninfo() == "host=pg" }},
		{"exclusive", "backup_options = exclusive_backup", func(s *Server) bool { return s.Backup.Exclusive }},
		{"exclusive and concurrent", "backup_options = exclusive_backup,concurrent_backup", func(s *Server) bool { return !s.Backup.Exclusive }},
		{"exclusive ignored by postgres", "backup_options = exclusive_backup\nbackup_method = postgres", func(s *Server) bool { return !s.Backup.Exclusive }},
		{"limits", "bandwidth_limit = 400\ntablespace_bandwidth_limit = tbs1:100 tbs2:200\nparallel_jobs = 3\nbasebackup_retry_times = 2\nbasebackup_retry_sleep = 5", func(s *Server) bool {
			b := s.Backup
			return b.BandwidthLimit == 400 && b.TablespaceLimits["tbs2"] == 200 && b.ParallelJobs == 3 && b.RetryTimes == 2 && b.RetrySleep == 5*time.Second
		}},
		{"retention", "retention_policy = RECOVERY WINDOW OF 2 WEEKS\nminimum_redundancy = 2\nlast_backup_maximum_age = 1 day", func(s *Server) bool {
			r := s.Retention
			return r.Policy != nil && r.Policy.Window == 14*24*time.Hour && r.MinimumRedundancy == 2 && r.LastBackupMaxAge == 24*time.Hour
		}},
		{"ssh and wal", "ssh_command = ssh -p 2222 postgres@pg\ncompression = gzip\narchiver_batch_size = 50\npost_archive_script = /bin/true", func(s *Server) bool {
			return s.SSH != nil && s.SSH.Argv[2] == "2222" && s.WAL.Codec.Compression == "gzip" && s.WAL.ArchiverBatchSize == 50 && s.WAL.Hooks.Post == "/bin/true"
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := load(t, tc.conf)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(s) {
				t.Errorf("%+v", s)
			}
		})
	}
}

// TestJobChecks: settings valid alone but wrong for a job are refused by
// the job's accessor, naming the server and the fix.
func TestJobChecks(t *testing.T) {
	s, err := load(t, "backup_method = rsync")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.BackupSSH(); err == nil || !strings.Contains(err.Error(), "server pg has backup_method = rsync but no ssh_command") {
		t.Errorf("rsync without ssh_command: %v", err)
	}
	s, err = load(t, "backup_method = local-rsync\nbackup_compression = gzip")
	if err != nil {
		t.Fatal(err)
	}
	if ssh, err := s.BackupSSH(); ssh != nil || err != nil {
		t.Errorf("local-rsync needs no ssh: %v %v", ssh, err)
	}
	if _, err := s.BackupCompression(); err == nil || !strings.Contains(err.Error(), "works only with backup_method = postgres") {
		t.Errorf("backup_compression with local-rsync: %v", err)
	}
}
