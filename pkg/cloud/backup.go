package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/walname"
)

// Logger receives the progress messages of the engine's jobs.
type Logger interface {
	Debugf(format string, args ...any)
	Infof(format string, args ...any)
	Warningf(format string, args ...any)
	Errorf(format string, args ...any)
}

type nopLogger struct{}

func (nopLogger) Debugf(string, ...any)   {}
func (nopLogger) Infof(string, ...any)    {}
func (nopLogger) Errorf(string, ...any)   {}
func (nopLogger) Warningf(string, ...any) {}

// BackupOptions are barman-cloud-backup's.
type BackupOptions struct {
	Server         string // SERVER_NAME: the objects go under SERVER/base/ID/
	Conninfo       string // a libpq connection string
	Fast           bool   // --immediate-checkpoint
	Compression    string // compress.Gzip, ... or compress.None
	MaxArchiveSize int64  // -S: a new archive is started past this many compressed bytes
	Name           string // -n: backup_name
	Jobs           int    // -J: recorded in copy_stats (the store uploads the parts)
	// LaneStore, when set, is the store with half the parts in flight
	// per upload that two archives of a root written at once go to
	// (only for a root larger than MaxArchiveSize).
	LaneStore storage.Storage
	Log       Logger
	// Now gives the backup ID (local time, as Barman); nil: time.Now.
	Now func() time.Time
}

// DefaultMaxArchiveSize is Barman's -S default, 100GB.
const DefaultMaxArchiveSize = 100 << 30

// ErrConnect marks a failure to connect to PostgreSQL (Barman: "Cannot
// connect to postgres", exit 1, no backup.info written).
var ErrConnect = errors.New("cannot connect to postgres")

// BackupFailed is the error of a backup that started: its backup.info was
// written with status FAILED (unless Uploaded is false) and this error.
type BackupFailed struct {
	ID       string
	Action   string // "uploading data" or "uploading backup.info file"
	Err      error
	Uploaded bool // backup.info FAILED was stored
}

func (e *BackupFailed) Error() string {
	return fmt.Sprintf("backup %s failed %s (%s)", e.ID, e.Action, firstLine(e.Err.Error()))
}
func (e *BackupFailed) Unwrap() error { return e.Err }

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	return s
}

// Backup takes a backup of the PostgreSQL server of opt.Conninfo, which
// must run on this host (PGDATA and the tablespaces are read here, as
// Barman's barman-cloud-backup does), into st under opt.Server/base/ID/:
// one tar archive per tablespace (<oid>.tar...) then PGDATA (data.tar...),
// each split past MaxArchiveSize, global/pg_control and backup_label
// last, and backup.info written last of all: with status DONE only once
// every archive is committed, FAILED with the error otherwise. A killed
// process leaves no backup.info, so the backup is never listed.
func Backup(ctx context.Context, st storage.Storage, opt BackupOptions) (*catalog.BackupInfo, error) {
	if opt.Log == nil {
		opt.Log = nopLogger{}
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.MaxArchiveSize <= 0 {
		opt.MaxArchiveSize = DefaultMaxArchiveSize
	}
	if err := CheckServerName(opt.Server); err != nil {
		return nil, err
	}
	sess, err := basebackup.Connect(ctx, opt.Conninfo)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConnect, err)
	}
	defer sess.Close()
	if sess.Meta.Version < 150000 {
		return nil, fmt.Errorf("unsupported PostgreSQL version %d: expecting 15 or above", sess.Meta.Version)
	}
	b := &backupRun{ctx: ctx, st: st, opt: opt, sess: sess, layout: Layout{Server: opt.Server}, began: time.Now()}
	if b.id, err = freshID(ctx, st, b.layout, opt.Now); err != nil {
		return nil, err
	}
	b.info = catalog.NewBackupInfo(b.id, "cloud", "")
	b.info.SetNone(catalog.KeyMode)
	b.info.SetString(catalog.KeySystemID, sess.Meta.SystemID)
	runErr := b.run()
	if runErr != nil {
		b.info.SetStatus(catalog.StatusFailed)
		b.info.SetError(fmt.Sprintf("failure uploading data (%s)", firstLine(runErr.Error())))
	}
	b.info.SetBackupName(opt.Name)
	// backup.info goes last, even after an interruption (as Barman's
	// finally clause): a stopped run still says FAILED.
	upCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	opt.Log.Infof("Uploading '%s'", b.layout.BackupInfo(b.id))
	upErr := storage.Save(upCtx, st, b.layout.BackupInfo(b.id), bytes.NewReader(b.info.Marshal()), storage.CreateOptions{})
	switch {
	case runErr != nil:
		return b.info, &BackupFailed{ID: b.id, Action: "uploading data", Err: runErr, Uploaded: upErr == nil}
	case upErr != nil:
		return b.info, &BackupFailed{ID: b.id, Action: "uploading backup.info file", Err: upErr}
	}
	b.logEnd()
	return b.info, nil
}

// freshID is a backup ID (the local time to the second) under which
// nothing is stored yet: a second backup started within the same second
// waits for the next one rather than mix its archives with the first's.
func freshID(ctx context.Context, st storage.Storage, l Layout, now func() time.Time) (string, error) {
	for {
		id := now().Format("20060102T150405")
		used := false
		err := st.List(ctx, l.BackupDir(id), storage.ListOptions{}, func(storage.Info) error {
			used = true
			return errStop
		})
		if err != nil && !errors.Is(err, errStop) {
			return "", err
		}
		if !used {
			return id, nil
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(time.Until(now().Truncate(time.Second).Add(time.Second))):
		}
	}
}

var errStop = errors.New("stop")

// backupRun is one backup in progress.
type backupRun struct {
	ctx    context.Context
	st     storage.Storage
	opt    BackupOptions
	sess   *basebackup.Session
	layout Layout
	id     string
	info   *catalog.BackupInfo
	began  time.Time
	items  []itemStats
}

// itemStats is the copy of one root, for copy_stats.
type itemStats struct {
	root       string
	start, end time.Time
}

func (b *backupRun) run() error {
	label := fmt.Sprintf("Barman backup %s %s", b.opt.Server, b.id)
	b.opt.Log.Infof("Starting backup '%s'", b.id)
	if err := b.sess.Begin(b.ctx, label, b.opt.Fast); err != nil {
		return err
	}
	if err := b.started(); err != nil {
		return err
	}
	data, err := b.copyData()
	if err != nil {
		return err
	}
	defer data.abort()
	b.opt.Log.Infof("Stopping backup '%s'", b.id)
	end, backupLabel, _, err := b.sess.Stop(b.ctx)
	if err != nil {
		return err
	}
	if err := b.sess.RestorePoint(b.ctx, "barman_"+b.id); err != nil {
		return err
	}
	b.opt.Log.Infof("Uploading 'backup_label' file to '%s' with path 'backup_label'", data.layout.ArchiveName(b.id, "data", 0, b.opt.Compression))
	f := newFeeder(data)
	if err := f.addBytes("backup_label", []byte(backupLabel), end.Time, b.sess.Meta.PGData); err != nil {
		return err
	}
	b.opt.Log.Infof("Marking all the uploaded archives as 'completed'")
	if err := data.close(); err != nil {
		return err
	}
	b.items[len(b.items)-1].end = time.Now()
	return b.stopped(end, backupLabel)
}

// started records the start point: status STARTED.
func (b *backupRun) started() error {
	m, p := b.sess.Meta, b.sess.Start
	seg, off, err := walname.SegmentOf(p.Timeline, p.LSN, m.SegmentSize)
	if err != nil {
		return err
	}
	info := b.info
	info.SetStatus(catalog.StatusStarted)
	info.SetTime(catalog.KeyBeginTime, p.Time)
	info.SetLSN(catalog.KeyBeginXlog, p.LSN)
	info.SetString(catalog.KeyBeginWAL, seg.String())
	info.SetInt(catalog.KeyBeginOffset, int64(off))
	info.SetInt(catalog.KeyTimeline, int64(p.Timeline))
	info.SetInt(catalog.KeyVersion, int64(m.Version))
	info.SetString(catalog.KeyPGData, m.PGData)
	info.SetString(catalog.KeyConfigFile, m.ConfigFile)
	info.SetString(catalog.KeyHBAFile, m.HBAFile)
	info.SetString(catalog.KeyIdentFile, m.IdentFile)
	info.SetInt(catalog.KeyXlogSegmentSize, int64(m.SegmentSize))
	var ts []catalog.Tablespace
	for _, t := range m.Tablespaces {
		ts = append(ts, catalog.Tablespace{Name: t.Name, OID: t.OID, Location: t.Location})
	}
	info.SetTablespaces(ts)
	b.opt.Log.Infof("Backup start at LSN: %s (%s, %08X)", p.LSN, seg, off)
	return nil
}

// stopped records the end point, the label and the statistics: status DONE.
func (b *backupRun) stopped(end basebackup.Point, label string) error {
	seg, off, err := walname.SegmentOf(end.Timeline, end.LSN, b.sess.Meta.SegmentSize)
	if err != nil {
		return err
	}
	info := b.info
	info.SetTime(catalog.KeyEndTime, end.Time)
	info.SetLSN(catalog.KeyEndXlog, end.LSN)
	info.SetString(catalog.KeyEndWAL, seg.String())
	info.SetInt(catalog.KeyEndOffset, int64(off))
	info.SetBackupLabel(label)
	info.SetLiteral(catalog.KeyCopyStats, b.copyStats())
	info.SetStatus(catalog.StatusDone)
	return nil
}

func (b *backupRun) logEnd() {
	end, _ := b.info.EndXlog()
	off, _ := b.info.EndOffset()
	b.opt.Log.Infof("Backup end at LSN: %s (%s, %08X)", end, b.info.EndWAL(), off)
	b.opt.Log.Infof("Backup completed (start time: %s, elapsed time: %s)", b.began.Format("2006-01-02 15:04:05.000000"), time.Since(b.began).Round(time.Second))
}

// copyStats is Barman's copy_stats for a cloud backup.
func (b *backupRun) copyStats() catalog.PyDict {
	secs := func(d time.Duration) catalog.PyValue { return catalog.PyFloat(d.Round(time.Microsecond).Seconds()) }
	var zero, perItem, serial catalog.PyDict
	var copyTime time.Duration
	for _, it := range b.items {
		d := it.end.Sub(it.start)
		copyTime += d
		zero = append(zero, catalog.PyItem{Key: catalog.PyStr(it.root), Value: catalog.PyInt(0)})
		perItem = append(perItem, catalog.PyItem{Key: catalog.PyStr(it.root), Value: secs(d)})
		serial = append(serial, catalog.PyItem{Key: catalog.PyStr(it.root), Value: secs(d)})
	}
	return catalog.PyDict{
		{Key: catalog.PyStr("total_time"), Value: secs(time.Since(b.began))},
		{Key: catalog.PyStr("number_of_workers"), Value: catalog.PyInt(max(b.opt.Jobs, 1))},
		{Key: catalog.PyStr("analysis_time"), Value: catalog.PyInt(0)},
		{Key: catalog.PyStr("analysis_time_per_item"), Value: zero},
		{Key: catalog.PyStr("copy_time_per_item"), Value: perItem},
		{Key: catalog.PyStr("serialized_copy_time_per_item"), Value: serial},
		{Key: catalog.PyStr("copy_time"), Value: secs(copyTime)},
		{Key: catalog.PyStr("serialized_copy_time"), Value: secs(copyTime)},
	}
}

func (b *backupRun) newSet(root string) *archiveSet {
	return &archiveSet{ctx: b.ctx, st: b.st, layout: b.layout, id: b.id, root: root, algo: b.opt.Compression, max: b.opt.MaxArchiveSize, seq: &seq{}}
}
