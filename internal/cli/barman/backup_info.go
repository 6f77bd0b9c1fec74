package barman

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/walname"
)

// started records the start of the backup: status STARTED.
func (r *run) started(m basebackup.Meta, p basebackup.Point) error {
	b := r.info
	seg, off, err := walname.SegmentOf(p.Timeline, p.LSN, m.SegmentSize)
	if err != nil {
		return err
	}
	b.SetStatus(catalog.StatusStarted)
	b.SetTime(catalog.KeyBeginTime, p.Time)
	b.SetLSN(catalog.KeyBeginXlog, p.LSN)
	b.SetString(catalog.KeyBeginWAL, seg.String())
	b.SetInt(catalog.KeyBeginOffset, int64(off))
	b.SetInt(catalog.KeyTimeline, int64(p.Timeline))
	b.SetInt(catalog.KeyVersion, int64(m.Version))
	b.SetString(catalog.KeyPGData, m.PGData)
	b.SetString(catalog.KeySystemID, m.SystemID)
	b.SetString(catalog.KeyConfigFile, m.ConfigFile)
	b.SetString(catalog.KeyHBAFile, m.HBAFile)
	b.SetString(catalog.KeyIdentFile, m.IdentFile)
	b.SetInt(catalog.KeyXlogSegmentSize, int64(m.SegmentSize))
	var ts []catalog.Tablespace
	for _, t := range m.Tablespaces {
		ts = append(ts, catalog.Tablespace{Name: t.Name, OID: t.OID, Location: t.Location})
	}
	b.SetTablespaces(ts)
	r.env.Out.Info("Backup start at LSN: %s (%s, %08X)", p.LSN, seg, off)
	if err := r.writeIdentity(m); err != nil {
		return err
	}
	return r.save()
}

// writeIdentity records the cluster in identity.json, as Barman does.
func (r *run) writeIdentity(m basebackup.Meta) error {
	if _, err := os.Stat(r.layout.IdentityPath()); err == nil {
		return nil
	}
	return r.layout.WriteIdentity(catalog.Identity{SystemID: m.SystemID, Version: fmt.Sprint(m.Version / 10000)})
}

// finish records the end of the copy: status WAITING_FOR_WALS.
func (r *run) finish(res *basebackup.Result) error {
	b := r.info
	seg, off, err := walname.SegmentOf(res.End.Timeline, res.End.LSN, res.Meta.SegmentSize)
	if err != nil {
		return err
	}
	dir := r.layout.BackupPath(b.ID)
	if err := fsutil.SyncTrees(dir); err != nil {
		return err
	}
	size, dedup, err := diskUsage(dir)
	if err != nil {
		return err
	}
	b.SetTime(catalog.KeyEndTime, res.End.Time)
	b.SetLSN(catalog.KeyEndXlog, res.End.LSN)
	b.SetString(catalog.KeyEndWAL, seg.String())
	b.SetInt(catalog.KeyEndOffset, int64(off))
	b.SetBackupLabel(res.BackupLabel)
	b.SetInt(catalog.KeySize, size)
	b.SetInt(catalog.KeyDeduplicatedSize, dedup)
	b.SetLiteral(catalog.KeyCopyStats, copyStats(res, r.cmd.jobs(r.srv)))
	b.SetStatus(catalog.StatusWaitingForWALs)
	if err := r.save(); err != nil {
		return err
	}
	r.env.Out.Info("Copy done (time: %s)", backups.Duration(res.Stats.Time))
	r.env.Out.Info("Backup size: %s. Actual size on disk: %s (-%.2f%% deduplication ratio).",
		backups.PrettySize(float64(size)), backups.PrettySize(float64(dedup)), 100*(1-ratio(dedup, size)))
	r.env.Out.Info("Backup end at LSN: %s (%s, %08X)", res.End.LSN, seg, off)
	r.env.Out.Info("Backup completed (start time: %s, elapsed time: %s)", r.start.Format("2006-01-02 15:04:05.000000"), backups.Duration(time.Since(r.start)))
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

// remote returns how to reach the PostgreSQL host's files.
func (r *run) remote() (*basebackup.Remote, error) {
	c, err := r.srv.BackupSSH()
	if err != nil || c == nil {
		return &basebackup.Remote{}, err
	}
	if r.srv.Backup.NetworkCompression {
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

// previous loads the previous backup's manifest for reuse_backup = link
// (copy is treated like link: files are shared read-only either way).
func (r *run) previous() (*basebackup.Previous, error) {
	if reuse := r.cmd.reuse(r.srv); reuse != "link" && reuse != "copy" || r.prev == nil {
		return nil, nil
	}
	dir := r.layout.BackupPath(r.prev.ID)
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		r.env.Out.Warning("previous backup %s has no %s: copying every file", r.prev.ID, ManifestFile)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	begin, _ := r.prev.BeginTime()
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
