package barman

import (
	"context"
	"fmt"
	"github.com/gobarman/barman/pkg/server"
	"path/filepath"
	"time"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
)

// afterBackup archives the WAL that arrived and promotes the backup to
// DONE once every segment it needs is archived; with --wait it keeps
// archiving until then.
func (r *run) afterBackup() error {
	var deadline time.Time
	if r.cmd.WaitTimeout > 0 {
		deadline = time.Now().Add(time.Duration(r.cmd.WaitTimeout) * time.Second)
	}
	announced, purged := false, false
	// The backup's last segment usually arrives within a second of the
	// switch: look again soon at first, then every second.
	pause := 100 * time.Millisecond
	for {
		if err := archiveWAL(r.env, r.srv, 30*time.Second); err != nil {
			r.env.Out.Warning("archiving WAL after the backup: %v", err)
		}
		if !purged {
			r.purgeBeforeFirst()
			purged = true
		}
		st, err := checkBackup(r.env, r.srv, r.info.ID)
		if err != nil || st != catalog.StatusWaitingForWALs || !r.cmd.Wait {
			if err == nil && st == catalog.StatusWaitingForWALs {
				r.env.Out.Warning("IMPORTANT: this backup is classified as WAITING_FOR_WALS, meaning that Barman has not received yet all the required WAL files for the backup consistency.")
			}
			return err
		}
		if !announced {
			r.env.Out.Info("Waiting for the WAL file %s from server '%s'", r.info.EndWAL(), r.srv.Name)
			announced = true
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for the WAL files of backup %s: it stays WAITING_FOR_WALS", r.info.ID)
		}
		select {
		case <-r.env.Ctx.Done():
			return r.env.Ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// checkBackup moves a WAITING_FOR_WALS backup to DONE when its WAL is
// archived, or to FAILED when a segment is missing for good; it returns
// the backup's status.
func checkBackup(env *Env, s *server.Server, id string) (catalog.Status, error) {
	a := s.Archive(env.Log)
	b, err := a.Layout.ReadBackupInfo(id)
	if err != nil {
		return "", err
	}
	if b.Status() != catalog.StatusWaitingForWALs {
		return b.Status(), nil
	}
	names, err := a.Catalogued()
	if err != nil {
		return "", err
	}
	state, missing, err := archive.BackupWALs(b, names)
	if err != nil {
		return "", err
	}
	switch state {
	case archive.WALsComplete:
		b.SetStatus(catalog.StatusDone)
	case archive.WALsMissing:
		b.SetStatus(catalog.StatusFailed)
		b.SetError("At least one WAL file is missing. The first missing WAL file is " + missing)
	default:
		return b.Status(), nil
	}
	if err := a.Layout.WriteBackupInfo(b); err != nil {
		return "", err
	}
	return b.Status(), nil
}

// checkWaitingBackups runs checkBackup for every WAITING_FOR_WALS backup
// (barman cron does this after archiving).
func checkWaitingBackups(env *Env, s *server.Server) error {
	backups, err := s.Layout.ListBackups()
	if err != nil {
		return err
	}
	for _, b := range backups {
		if b.Status() == catalog.StatusWaitingForWALs {
			st, err := checkBackup(env, s, b.ID)
			if err != nil {
				return err
			}
			if st != catalog.StatusWaitingForWALs {
				env.Out.Info("Backup %s of server %s is now %s", b.ID, s.Name, st)
			}
		}
	}
	return nil
}

// streamTransfer takes the backup over the replication protocol.
func (r *run) streamTransfer(ctx context.Context, label string, sink *basebackup.Sink) (*basebackup.Result, error) {
	comp, err := r.srv.BackupCompression()
	if err != nil {
		return nil, err
	}
	opt := basebackup.CopyOptions{Conninfo: r.srv.ReplicationConninfo(), Label: label, Fast: r.cmd.fast(r.srv), OnStart: r.started,
		Progress: isTerminal(r.env.Stderr), MaxRateKBps: maxRate(r.cmd.bwlimit(r.srv)), Compression: comp}
	if comp.Tar() {
		// Barman's field: recovery and list-files look for the archives.
		r.info.SetString(catalog.KeyCompression, comp.Algo)
		where := "here"
		if comp.Server {
			where = "by PostgreSQL"
		}
		r.env.Out.Info("Backup compression: %s, compressed %s, stored as tar archives in %s", comp.Algo, where, filepath.Join(r.layout.BackupPath(r.info.ID), "data"))
	}
	r.env.Out.Info("Starting backup copy via the replication protocol (BASE_BACKUP) for %s", r.info.ID)
	return basebackup.StreamCopy(ctx, opt, sink)
}

// prettyBytes is backups.PrettySize for an int64.
func prettyBytes(n int64) string { return backups.PrettySize(float64(n)) }

// purgeBeforeFirst removes, when this is the server's first backup, the
// WAL files archived before it: no backup can use them. Barman does the
// same when the copy completes; barman does it once the WAL that arrived
// meanwhile is archived, so that a segment PostgreSQL archived late is
// purged too.
func (r *run) purgeBeforeFirst() {
	cat, err := backups.Load(r.layout)
	if err != nil || cat.Previous(r.info.ID) != nil || r.info.BeginWAL() == "" {
		return
	}
	r.env.Out.Info("This is the first backup for server %s", r.srv.Name)
	names, err := r.env.Remover(r.srv).PurgeBefore(r.env.Ctx, r.info)
	if err != nil {
		r.env.Out.Warning("cannot remove the WAL files archived before the first backup: %v", err)
		return
	}
	if len(names) > 0 {
		r.env.Out.Info("WAL segments preceding the current backup have been found:")
		for _, n := range names {
			r.env.Out.Info("\t%s from server %s has been removed", n, r.srv.Name)
		}
	}
}

// maxRate is bandwidth_limit as BASE_BACKUP's MAX_RATE, which PostgreSQL
// takes between 32 and 1048576 kB/s (0: no limit).
func maxRate(kbps int) int {
	if kbps <= 0 {
		return 0
	}
	return min(max(kbps, 32), 1048576)
}
