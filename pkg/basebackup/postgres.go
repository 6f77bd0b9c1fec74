package basebackup

import (
	"context"
	"fmt"
	"time"

	"github.com/gobarman/barman/pkg/postgres"
)

// StreamCopy takes a backup over the replication protocol
// (backup_method = postgres): metadata from a normal connection, then
// BASE_BACKUP streamed into the sink. OnStart is called once the copy has
// ended, with the start position the server reported.
func StreamCopy(ctx context.Context, opt CopyOptions, sink *Sink) (*Result, error) {
	c, err := postgres.Connect(ctx, opt.Conninfo)
	if err != nil {
		return nil, err
	}
	meta, begin, err := readMetaAndClock(ctx, c)
	c.Close(context.Background())
	if err != nil {
		return nil, err
	}
	so := StreamOptions{Label: opt.Label, Fast: opt.Fast, Manifest: true, MaxRateKBps: opt.MaxRateKBps, Compression: opt.Compression}
	if opt.Progress {
		so.Progress = func(_, total int64) { sink.SetTotal(total) }
	}
	sr, err := StreamBackup(ctx, opt.Conninfo, so, sink)
	if err != nil {
		return nil, err
	}
	start := Point{LSN: sr.StartLSN, Timeline: sr.Timeline, Time: begin}
	if opt.OnStart != nil {
		if err := opt.OnStart(meta, start); err != nil {
			return nil, err
		}
	}
	endTime, err := switchWAL(ctx, opt.Conninfo)
	if err != nil {
		return nil, err
	}
	end := Point{LSN: sr.EndLSN, Timeline: sr.EndTimeline, Time: endTime}
	files, bytes := sink.Totals()
	stats := &CopyStats{Files: files, Bytes: bytes, Time: end.Time.Sub(begin)}
	return &Result{Meta: meta, Start: start, End: end, BackupLabel: sr.BackupLabel, TablespaceMap: sr.TablespaceMap, Stats: stats}, nil
}

// readMetaAndClock reads the server's metadata, then its clock: the
// backup's begin time, read just before BASE_BACKUP starts it.
func readMetaAndClock(ctx context.Context, c *postgres.Conn) (Meta, time.Time, error) {
	meta, err := readMeta(ctx, c)
	if err != nil {
		return meta, time.Time{}, err
	}
	begin, err := readServerNow(ctx, c, "")
	if err != nil {
		return meta, begin, fmt.Errorf("read the server's clock: %w", err)
	}
	return meta, begin, nil
}

// switchWAL closes the current segment so that the backup's last WAL is
// archived soon, and returns the server's time (the backup's end time).
func switchWAL(ctx context.Context, conninfo string) (time.Time, error) {
	c, err := postgres.Connect(ctx, conninfo)
	if err != nil {
		return time.Time{}, err
	}
	defer c.Close(context.Background())
	t, err := readServerNow(ctx, c, " FROM pg_switch_wal()")
	if err != nil {
		return t, fmt.Errorf("pg_switch_wal: %w", err)
	}
	return t, nil
}
