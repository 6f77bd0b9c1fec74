package backupjob

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/server"
)

// Finish archives the WAL that arrived and promotes the backup to DONE
// once every segment it needs is archived; with Options.Wait it keeps
// archiving until then. The caller no longer holds the backup lock.
func (b *Backup) Finish(ctx context.Context) (*Result, error) {
	j := b.job
	var deadline time.Time
	if j.Options.WaitTimeout > 0 {
		deadline = time.Now().Add(j.Options.WaitTimeout)
	}
	announced, purged := false, false
	// The backup's last segment usually arrives within a second of the
	// switch: look again soon at first, then every second.
	pause := 100 * time.Millisecond
	for {
		if j.ArchiveWAL != nil {
			if err := j.ArchiveWAL(ctx); err != nil {
				j.Report.Warning("archiving WAL after the backup: %v", err)
			}
		}
		if !purged {
			b.purgeBeforeFirst(ctx)
			purged = true
		}
		st, err := Promote(j.Server, j.log(), b.Info.ID)
		if err != nil || st != catalog.StatusWaitingForWALs || !j.Options.Wait {
			if err == nil && st == catalog.StatusWaitingForWALs {
				j.Report.Warning("IMPORTANT: this backup is classified as WAITING_FOR_WALS, meaning that Barman has not received yet all the required WAL files for the backup consistency.")
			}
			if err != nil {
				return nil, err
			}
			b.Info.SetStatus(st)
			return b.result(), nil
		}
		if !announced {
			j.Report.Info("Waiting for the WAL file %s from server '%s'", b.Info.EndWAL(), j.Server.Name)
			announced = true
		}
		if !deadline.IsZero() && time.Now().After(deadline) {
			return nil, fmt.Errorf("timed out waiting for the WAL files of backup %s: it stays WAITING_FOR_WALS", b.Info.ID)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// Promote moves a WAITING_FOR_WALS backup to DONE when its WAL is
// archived, or to FAILED when a segment is missing for good; it returns
// the backup's status.
func Promote(s *server.Server, log *slog.Logger, id string) (catalog.Status, error) {
	a := s.Archive(log)
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

// PromoteWaiting runs Promote for every WAITING_FOR_WALS backup of s
// (barman cron does this after archiving) and reports each change.
func PromoteWaiting(s *server.Server, log *slog.Logger, rep report.Reporter) error {
	all, err := s.Layout.ListBackups()
	if err != nil {
		return err
	}
	for _, b := range all {
		if b.Status() == catalog.StatusWaitingForWALs {
			st, err := Promote(s, log, b.ID)
			if err != nil {
				return err
			}
			if st != catalog.StatusWaitingForWALs {
				rep.Info("Backup %s of server %s is now %s", b.ID, s.Name, st)
			}
		}
	}
	return nil
}

// purgeBeforeFirst removes, when this is the server's first backup, the
// WAL files archived before it: no backup can use them. Barman does the
// same when the copy completes; barman does it once the WAL that arrived
// meanwhile is archived, so that a segment PostgreSQL archived late is
// purged too.
func (b *Backup) purgeBeforeFirst(ctx context.Context) {
	j := b.job
	if j.PurgeBefore == nil {
		return
	}
	cat, err := backups.Load(j.Server.Layout)
	if err != nil || cat.Previous(b.Info.ID) != nil || b.Info.BeginWAL() == "" {
		return
	}
	j.Report.Info("This is the first backup for server %s", j.Server.Name)
	names, err := j.PurgeBefore(ctx, b.Info)
	if err != nil {
		j.Report.Warning("cannot remove the WAL files archived before the first backup: %v", err)
		return
	}
	if len(names) > 0 {
		j.Report.Info("WAL segments preceding the current backup have been found:")
		for _, n := range names {
			j.Report.Info("\t%s from server %s has been removed", n, j.Server.Name)
		}
	}
}
