package basebackup

import (
	"context"

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
	meta, err := readMeta(ctx, c)
	c.Close(context.Background())
	if err != nil {
		return nil, err
	}
	begin := hostClock()
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
	if err := switchWAL(ctx, opt.Conninfo); err != nil {
		return nil, err
	}
	end := Point{LSN: sr.EndLSN, Timeline: sr.EndTimeline, Time: hostClock()}
	files, bytes := sink.Totals()
	stats := &CopyStats{Files: files, Bytes: bytes, Time: end.Time.Sub(begin)}
	return &Result{Meta: meta, Start: start, End: end, BackupLabel: sr.BackupLabel, TablespaceMap: sr.TablespaceMap, Stats: stats}, nil
}

// switchWAL closes the current segment so that the backup's last WAL is
// archived soon.
func switchWAL(ctx context.Context, conninfo string) error {
	c, err := postgres.Connect(ctx, conninfo)
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.PGX().Exec(ctx, "SELECT pg_switch_wal()")
	return err
}
