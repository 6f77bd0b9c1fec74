package basebackup

import (
	"context"
	"io/fs"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/throttle"
)

// CopyOptions are the options of a backup over a Remote (backup_method = rsync).
type CopyOptions struct {
	Conninfo string
	Remote   *Remote
	Label    string
	Fast     bool // immediate checkpoint
	Jobs     int
	Previous *Previous // reuse_backup = link
	// OnStart is called once pg_backup_start returned (status STARTED).
	OnStart func(Meta, Point) error
	// Progress asks for the total size up front (BASE_BACKUP's PROGRESS),
	// so that Sink.Progress can tell how far the copy is.
	Progress bool
	// KeepAlive, when positive, is how often a query runs on the
	// connection that holds the backup open (keepalive_interval), so that
	// no firewall or idle timeout closes it during a long copy.
	KeepAlive time.Duration
	// MaxRateKBps limits BASE_BACKUP (bandwidth_limit; postgres method).
	MaxRateKBps int
	// Compression is backup_compression (postgres method).
	Compression Compression
	// TablespaceLimits limits the copy of a tablespace, by name
	// (tablespace_bandwidth_limit; rsync methods), instead of the
	// Remote's Throttle.
	TablespaceLimits map[string]*throttle.Throttle
}

// CopyBackup takes a backup: pg_backup_start, the copy of PGDATA and the
// tablespaces through opt.Remote, pg_control last, pg_backup_stop, and the
// backup_label and tablespace_map written into the copy.
func CopyBackup(ctx context.Context, opt CopyOptions, sink *Sink) (*Result, error) {
	c, err := postgres.Connect(ctx, opt.Conninfo)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.Background())
	meta, err := readMeta(ctx, c)
	if err != nil {
		return nil, err
	}
	start, err := startBackup(ctx, c, opt.Label, opt.Fast)
	if err != nil {
		return nil, err
	}
	if opt.OnStart != nil {
		if err := opt.OnStart(meta, start); err != nil {
			return nil, err
		}
	}
	items := []Item{{Root: meta.PGData, Exclude: Excluded}}
	vdir := meta.VersionDir()
	for _, t := range meta.Tablespaces {
		items = append(items, Item{Root: t.Location, TablespaceOID: t.OID, Tablespace: t.Name,
			Exclude: func(p string) bool { return ExcludedInTablespace(p, vdir) }, Throttle: opt.TablespaceLimits[t.Name]})
	}
	stopKeepAlive := keepAlive(ctx, c, opt.KeepAlive)
	stats, err := Copy(ctx, opt.Remote, items, opt.Jobs, opt.Previous, sink)
	stopKeepAlive()
	if err != nil {
		return nil, err
	}
	end, label, spcmap, err := stopBackup(ctx, c, start, false)
	if err != nil {
		return nil, err
	}
	if err := writeLabels(sink, label, spcmap, end.Time); err != nil {
		return nil, err
	}
	return &Result{Meta: meta, Start: start, End: end, BackupLabel: label, TablespaceMap: spcmap, Stats: stats}, nil
}

// writeLabels writes backup_label and, with tablespaces, tablespace_map
// into data/: without them the copy does not start as a backup.
func writeLabels(sink *Sink, label, spcmap string, at time.Time) error {
	files := [][2]string{{"backup_label", label}}
	if spcmap != "" {
		files = append(files, [2]string{"tablespace_map", spcmap})
	}
	for _, f := range files {
		name, text := f[0], f[1]
		e := Entry{Path: name, Mode: fs.FileMode(0o600), Size: int64(len(text)), MTime: at}
		if err := sink.File(e, strings.NewReader(text)); err != nil {
			return err
		}
	}
	return nil
}

// KeepAliveQuery is the query keepAlive runs (it shows in
// pg_stat_activity).
const KeepAliveQuery = "SELECT 1 /* barman keepalive */"

// keepAlive runs KeepAliveQuery on c every interval until the returned
// function is called (which waits for the last query to end). c must not
// be used meanwhile. A failing query is left to pg_backup_stop to report.
func keepAlive(ctx context.Context, c *postgres.Conn, interval time.Duration) (stop func()) {
	if interval <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				c.PGX().Exec(ctx, KeepAliveQuery)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
