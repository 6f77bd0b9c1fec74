package backupjob

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/stream"
)

// target is where a copy goes.
type target struct {
	dir      string
	id       string // backup ID ("" outside the catalogue)
	label    string
	prev     *catalog.BackupInfo // the backup reuse_backup shares files with
	manifest bool                // write dir/manifest.jsonl
	keep     string              // the file a retry keeps in dir ("": none)
	onStart  func(basebackup.Meta, basebackup.Point) error
	onComp   func(basebackup.Compression) // the copy is stored compressed
}

// copied is what one successful copy returns.
type copied struct {
	res          *basebackup.Result
	files, bytes int64 // the sink's totals
}

// Copy takes the backup with the server's method, again after a failure
// when basebackup_retry_times allows: backup.info goes to STARTED, then
// WAITING_FOR_WALS with the sizes, or FAILED with the error.
func (b *Backup) Copy(ctx context.Context) error {
	label := b.job.Options.Label
	if label == "" {
		label = fmt.Sprintf("Barman backup %s %s", b.job.Server.Name, b.Info.ID)
	}
	t := target{dir: b.Dir, id: b.Info.ID, label: label, prev: b.prev, manifest: true, keep: "backup.info",
		onStart: b.started, onComp: b.compressed}
	c, err := b.job.copyWithRetries(ctx, t)
	if err == nil {
		err = b.finishCopy(c)
	}
	if err != nil {
		b.fail(err)
	}
	b.job.writeSummary(b.summary(c))
	return err
}

// CopyInto copies the backup into dir, a new or empty directory outside
// the catalogue, with the same copy as Copy (throttling, keepalive,
// reuse_backup of the catalogue's newest backup, retries), and writes its
// records to Job.Records; it writes no backup.info and no manifest file.
func (j *Job) CopyInto(ctx context.Context, dir string) (*Result, error) {
	if ents, err := os.ReadDir(dir); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("%s is not empty: give a new directory", dir)
	}
	label := j.Options.Label
	if label == "" {
		label = "barman-basebackup " + j.Server.Name
	}
	prev, err := j.reusable(dir)
	if err != nil {
		return nil, err
	}
	c, err := j.copyWithRetries(ctx, target{dir: dir, label: label, prev: prev})
	if err == nil {
		err = fsutil.SyncTrees(dir)
	}
	sum := j.dirSummary(c, err)
	j.writeSummary(sum)
	if err != nil {
		return nil, err
	}
	return &Result{Dir: dir, Status: catalog.Status(sum.Status)}, nil
}

// reusable returns the catalogue's newest copied backup, whose files
// reuse_backup = link may share with a copy into dir: none when dir is on
// another file system (a hard link cannot cross it).
func (j *Job) reusable(dir string) (*catalog.BackupInfo, error) {
	prev, err := newestCopy(j.Server.Layout)
	if err != nil || prev == nil || j.Options.reuse(j.Server) != "link" && j.Options.reuse(j.Server) != "copy" {
		return prev, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if !sameFileSystem(dir, j.Server.Layout.BackupPath(prev.ID)) {
		j.Report.Warning("%s is not on the file system of backup %s: reuse_backup copies every file", dir, prev.ID)
		return nil, nil
	}
	return prev, nil
}

// sameFileSystem reports whether a and b are on the same file system.
func sameFileSystem(a, b string) bool {
	var sa, sb syscall.Stat_t
	return syscall.Stat(a, &sa) == nil && syscall.Stat(b, &sb) == nil && sa.Dev == sb.Dev
}

// newestCopy returns the newest DONE or WAITING_FOR_WALS backup (nil if
// none).
func newestCopy(l *catalog.Layout) (*catalog.BackupInfo, error) {
	backups, err := l.ListBackups()
	if err != nil {
		return nil, err
	}
	for i := len(backups) - 1; i >= 0; i-- {
		if st := backups[i].Status(); st == catalog.StatusDone || st == catalog.StatusWaitingForWALs {
			return backups[i], nil
		}
	}
	return nil, nil
}

// copyWithRetries runs the copy, again after a failure when
// basebackup_retry_times allows, each time from scratch.
func (j *Job) copyWithRetries(ctx context.Context, t target) (*copied, error) {
	times, sleep := j.Options.retries(j.Server)
	for attempt := 0; ; attempt++ {
		c, err := j.copyOnce(ctx, t)
		if err == nil || attempt >= times || ctx.Err() != nil {
			return c, err
		}
		what := t.id
		if what == "" {
			what = t.dir
		}
		j.Report.Warning("copy of backup %s failed (%v): retrying in %s (%d of %d)", what, err, sleep, attempt+1, times)
		j.writeRecord(&stream.Error{Server: j.Server.Name, Stage: "basebackup", Code: stream.CodeRetry,
			Message: fmt.Sprintf("copy failed (%v): starting again, attempt %d of %d", err, attempt+2, times+1)})
		clean(t.dir, t.keep)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(sleep):
		}
	}
}

// clean removes what a failed attempt copied into dir, except keep.
func clean(dir, keep string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.Name() != keep {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

// copyOnce takes the backup once into t.dir.
func (j *Job) copyOnce(ctx context.Context, t target) (*copied, error) {
	if err := os.MkdirAll(t.dir, 0o755); err != nil {
		return nil, err
	}
	var outs []io.Writer
	var mf *os.File
	if t.manifest {
		var err error
		if mf, err = os.OpenFile(filepath.Join(t.dir, ManifestFile), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600); err != nil {
			return nil, err
		}
		defer mf.Close()
		outs = append(outs, mf)
	}
	if j.Records != nil {
		outs = append(outs, j.Records)
	}
	sink := &basebackup.Sink{Dir: t.dir, Server: j.Server.Name, BackupID: t.id, Records: stream.NewWriter(io.MultiWriter(outs...))}
	defer sink.Close()
	stop := func() {}
	if j.Progress != nil {
		stop = j.Progress(sink)
	}
	res, err := j.transfer(ctx, t, sink)
	stop()
	if err != nil {
		return nil, err
	}
	if mf != nil {
		if err := mf.Sync(); err != nil {
			return nil, err
		}
	}
	j.noteChanged(t.id, res.Stats.Changed)
	files, bytes := sink.Totals()
	return &copied{res: res, files: files, bytes: bytes}, nil
}

// noteChanged reports the files that vanished, shrank or changed while
// copied: one line on the console, tar's notes in the log. They are
// normal (PostgreSQL writes during the backup; WAL replay repairs them).
func (j *Job) noteChanged(id string, notes []string) {
	if len(notes) == 0 {
		return
	}
	for _, n := range notes {
		j.log().Info("file changed during the copy", "server", j.Server.Name, "backup", id, "tar", n)
	}
	j.Report.Info("%d file(s) vanished, shrank or changed during the copy: normal while PostgreSQL runs, WAL replay repairs them (tar's notes are in the log)", len(notes))
}

// writeRecord writes rec to Job.Records, if any.
func (j *Job) writeRecord(rec stream.Record) {
	if j.Records != nil {
		stream.NewWriter(j.Records).Write(rec)
	}
}
