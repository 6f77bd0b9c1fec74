package backupjob

import (
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/walname"
)

// summary is the backup_summary of a backup in the catalogue, from its
// backup.info (c is nil when the copy failed).
func (b *Backup) summary(c *copied) *stream.BackupSummary {
	info := b.Info
	sum := &stream.BackupSummary{Server: b.job.Server.Name, BackupID: info.ID, BackupName: info.BackupName(),
		Status: string(info.Status()), Mode: info.Mode(), Error: info.ErrorMessage()}
	if c != nil {
		fillCopy(sum, c)
		sum.Size, _ = info.Size()
	}
	return sum
}

// dirSummary is the backup_summary of a copy into a directory: the
// status the catalogue would record (WAITING_FOR_WALS, or FAILED).
func (j *Job) dirSummary(c *copied, err error) *stream.BackupSummary {
	sum := &stream.BackupSummary{Server: j.Server.Name, Status: string(catalog.StatusWaitingForWALs)}
	if err != nil {
		sum.Status, sum.Error = string(catalog.StatusFailed), err.Error()
		return sum
	}
	fillCopy(sum, c)
	return sum
}

// fillCopy sets the summary's fields that come from the copy.
func fillCopy(sum *stream.BackupSummary, c *copied) {
	res := c.res
	begin, _, _ := walname.SegmentOf(res.Start.Timeline, res.Start.LSN, res.Meta.SegmentSize)
	end, _, _ := walname.SegmentOf(res.End.Timeline, res.End.LSN, res.Meta.SegmentSize)
	sum.Timeline, sum.BeginLSN, sum.EndLSN = res.Start.Timeline, res.Start.LSN.String(), res.End.LSN.String()
	sum.BeginWAL, sum.EndWAL, sum.BeginTime, sum.EndTime = begin.String(), end.String(), res.Start.Time, res.End.Time
	sum.Size, sum.Files = c.bytes, c.files
}

// writeSummary writes the backup_summary to Job.Records, if any.
func (j *Job) writeSummary(sum *stream.BackupSummary) { j.writeRecord(sum) }
