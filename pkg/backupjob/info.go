package backupjob

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/walname"
)

// started records the start of the backup: status STARTED.
func (b *Backup) started(m basebackup.Meta, p basebackup.Point) error {
	info := b.Info
	seg, off, err := walname.SegmentOf(p.Timeline, p.LSN, m.SegmentSize)
	if err != nil {
		return err
	}
	info.SetStatus(catalog.StatusStarted)
	info.SetTime(catalog.KeyBeginTime, p.Time)
	info.SetLSN(catalog.KeyBeginXlog, p.LSN)
	info.SetString(catalog.KeyBeginWAL, seg.String())
	info.SetInt(catalog.KeyBeginOffset, int64(off))
	info.SetInt(catalog.KeyTimeline, int64(p.Timeline))
	info.SetInt(catalog.KeyVersion, int64(m.Version))
	info.SetString(catalog.KeyPGData, m.PGData)
	info.SetString(catalog.KeySystemID, m.SystemID)
	info.SetString(catalog.KeyConfigFile, m.ConfigFile)
	info.SetString(catalog.KeyHBAFile, m.HBAFile)
	info.SetString(catalog.KeyIdentFile, m.IdentFile)
	info.SetInt(catalog.KeyXlogSegmentSize, int64(m.SegmentSize))
	var ts []catalog.Tablespace
	for _, t := range m.Tablespaces {
		ts = append(ts, catalog.Tablespace{Name: t.Name, OID: t.OID, Location: t.Location})
	}
	info.SetTablespaces(ts)
	b.job.Report.Info("Backup start at LSN: %s (%s, %08X)", p.LSN, seg, off)
	if err := b.writeIdentity(m); err != nil {
		return err
	}
	return b.save()
}

// compressed records backup_compression as Barman does: recovery and
// list-files look for the archives.
func (b *Backup) compressed(c basebackup.Compression) {
	b.Info.SetString(catalog.KeyCompression, c.Algo)
}

// writeIdentity records the cluster in identity.json, as Barman does.
func (b *Backup) writeIdentity(m basebackup.Meta) error {
	l := b.job.Server.Layout
	if _, err := os.Stat(l.IdentityPath()); err == nil {
		return nil
	}
	return l.WriteIdentity(catalog.Identity{SystemID: m.SystemID, Version: fmt.Sprint(m.Version / 10000)})
}

// finishCopy records the end of the copy: status WAITING_FOR_WALS.
func (b *Backup) finishCopy(c *copied) error {
	info, res, rep := b.Info, c.res, b.job.Report
	seg, off, err := walname.SegmentOf(res.End.Timeline, res.End.LSN, res.Meta.SegmentSize)
	if err != nil {
		return err
	}
	if err := fsutil.SyncTrees(b.Dir); err != nil {
		return err
	}
	size, dedup, err := diskUsage(b.Dir)
	if err != nil {
		return err
	}
	info.SetTime(catalog.KeyEndTime, res.End.Time)
	info.SetLSN(catalog.KeyEndXlog, res.End.LSN)
	info.SetString(catalog.KeyEndWAL, seg.String())
	info.SetInt(catalog.KeyEndOffset, int64(off))
	info.SetBackupLabel(res.BackupLabel)
	info.SetInt(catalog.KeySize, size)
	info.SetInt(catalog.KeyDeduplicatedSize, dedup)
	info.SetLiteral(catalog.KeyCopyStats, copyStats(res, b.job.Options.jobs(b.job.Server)))
	info.SetStatus(catalog.StatusWaitingForWALs)
	if err := b.save(); err != nil {
		return err
	}
	rep.Info("Copy done (time: %s)", backups.Duration(res.Stats.Time))
	rep.Info("Backup size: %s. Actual size on disk: %s (-%.2f%% deduplication ratio).",
		backups.PrettySize(float64(size)), backups.PrettySize(float64(dedup)), 100*(1-ratio(dedup, size)))
	rep.Info("Backup end at LSN: %s (%s, %08X)", res.End.LSN, seg, off)
	rep.Info("Backup completed (start time: %s, elapsed time: %s)", b.start.Format("2006-01-02 15:04:05.000000"), backups.Duration(time.Since(b.start)))
	return nil
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func copyStats(res *basebackup.Result, jobs int) catalog.PyDict {
	secs := func(d time.Duration) catalog.PyValue { return catalog.PyFloat(d.Round(time.Microsecond).Seconds()) }
	total := res.End.Time.Sub(res.Start.Time)
	return catalog.PyDict{
		{Key: catalog.PyStr("copy_time"), Value: secs(res.Stats.Time)},
		{Key: catalog.PyStr("total_time"), Value: secs(total)},
		{Key: catalog.PyStr("number_of_workers"), Value: catalog.PyInt(jobs)},
	}
}

// diskUsage returns the sum of the sizes of the files under dir, and the
// sum of those not shared with another backup (one hard link).
func diskUsage(dir string) (size, dedup int64, err error) {
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		st, err := os.Lstat(p)
		if err != nil {
			return err
		}
		size += st.Size()
		if sys, ok := st.Sys().(*syscall.Stat_t); !ok || sys.Nlink == 1 {
			dedup += st.Size()
		}
		return nil
	})
	return size, dedup, err
}
