package backupjob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/server"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/throttle"
)

// transfer copies the backup with the server's method.
func (j *Job) transfer(ctx context.Context, t target, sink *basebackup.Sink) (*basebackup.Result, error) {
	switch j.Server.Backup.Method {
	case server.Postgres:
		return j.streamTransfer(ctx, t, sink)
	case server.Snapshot:
		return nil, fmt.Errorf("backup_method = snapshot (cloud disk snapshots) is not supported: use rsync, local-rsync or postgres")
	}
	return j.tarTransfer(ctx, t, sink)
}

// tarTransfer copies PGDATA and the tablespaces as tar streams, over
// ssh_command (rsync) or on this host (local-rsync).
func (j *Job) tarTransfer(ctx context.Context, t target, sink *basebackup.Sink) (*basebackup.Result, error) {
	s, o := j.Server, &j.Options
	remote, err := j.remote()
	if err != nil {
		return nil, err
	}
	prev, err := j.previous(t.prev)
	if err != nil {
		return nil, err
	}
	remote.Throttle = throttle.New(int64(o.bwlimit(s)) * 1024)
	opt := basebackup.CopyOptions{Conninfo: s.Conninfo, Remote: remote, Label: t.label,
		Fast: o.immediate(s), Jobs: o.jobs(s), Previous: prev, OnStart: t.onStart,
		KeepAlive: o.keepalive(s), TablespaceLimits: map[string]*throttle.Throttle{}}
	for name, kbps := range s.Backup.TablespaceLimits {
		if kbps > 0 {
			opt.TablespaceLimits[name] = throttle.New(kbps * 1024)
			j.Report.Info("Tablespace %s: bandwidth limit %d KiB/s (tablespace_bandwidth_limit)", name, kbps)
		}
	}
	j.Report.Info("Starting backup copy via %s for %s (%d jobs)", remoteName(remote), backupName(t), opt.Jobs)
	return basebackup.CopyBackup(ctx, opt, sink)
}

// backupName is how the messages name the copy: its ID, or its directory.
func backupName(t target) string {
	if t.id == "" {
		return t.dir
	}
	return t.id
}

// streamTransfer takes the backup over the replication protocol.
func (j *Job) streamTransfer(ctx context.Context, t target, sink *basebackup.Sink) (*basebackup.Result, error) {
	s, o := j.Server, &j.Options
	comp, err := s.BackupCompression()
	if err != nil {
		return nil, err
	}
	opt := basebackup.CopyOptions{Conninfo: s.ReplicationConninfo(), Label: t.label, Fast: o.immediate(s), OnStart: t.onStart,
		Progress: j.SizeFirst, MaxRateKBps: maxRate(o.bwlimit(s)), Compression: comp}
	if comp.Tar() {
		if t.onComp != nil {
			t.onComp(comp)
		}
		where := "here"
		if comp.Server {
			where = "by PostgreSQL"
		}
		j.Report.Info("Backup compression: %s, compressed %s, stored as tar archives in %s", comp.Algo, where, filepath.Join(t.dir, "data"))
	}
	j.Report.Info("Starting backup copy via the replication protocol (BASE_BACKUP) for %s", backupName(t))
	return basebackup.StreamCopy(ctx, opt, sink)
}

// maxRate is bandwidth_limit as BASE_BACKUP's MAX_RATE, which PostgreSQL
// takes between 32 and 1048576 kB/s (0: no limit).
func maxRate(kbps int) int {
	if kbps <= 0 {
		return 0
	}
	return min(max(kbps, 32), 1048576)
}

// remote returns how to reach the PostgreSQL host's files.
func (j *Job) remote() (*basebackup.Remote, error) {
	c, err := j.Server.BackupSSH()
	if err != nil || c == nil {
		return &basebackup.Remote{}, err
	}
	if j.Server.Backup.NetworkCompression {
		c = c.With("Compression=yes")
	}
	return &basebackup.Remote{SSH: c}, nil
}

func remoteName(r *basebackup.Remote) string {
	if r.SSH == nil {
		return "local tar"
	}
	return "tar over ssh"
}

// previous loads the manifest of prev for reuse_backup = link (copy is
// treated like link: files are shared read-only either way).
func (j *Job) previous(prev *catalog.BackupInfo) (*basebackup.Previous, error) {
	if reuse := j.Options.reuse(j.Server); reuse != "link" && reuse != "copy" || prev == nil {
		return nil, nil
	}
	dir := j.Server.Layout.BackupPath(prev.ID)
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		j.Report.Warning("previous backup %s has no %s: copying every file", prev.ID, ManifestFile)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	begin, _ := prev.BeginTime()
	p := &basebackup.Previous{Files: map[string]basebackup.PrevFile{}, Horizon: begin}
	rd := stream.NewReader(f, f.Name())
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return p, nil
		}
		if err != nil {
			return nil, err
		}
		if bf, ok := rec.(*stream.BackupFile); ok && bf.Kind == stream.FileRegular {
			p.Files[bf.Path] = basebackup.PrevFile{Local: filepath.Join(dir, filepath.FromSlash(bf.Path)), Size: bf.Size, MTime: bf.MTime, Checksum: bf.Checksum}
		}
	}
}
