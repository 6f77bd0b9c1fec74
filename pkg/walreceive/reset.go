package walreceive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/walname"
)

// Reset aligns the streaming directory with the server, as Barman's
// `receive-wal --reset`: when the newest file of the directory is behind
// the slot's restart_lsn (or the server's current position without a
// slot), its .partial is removed and an empty NAME.partial for the
// restart segment marks where the next receive-wal starts. A directory
// ahead of the server is an error. The receiver must not be running.
func Reset(ctx context.Context, opt Options, out report.Reporter) error {
	opt.defaults()
	conn, err := postgres.ReplicationConnect(ctx, opt.Conninfo, opt.AppName, "streaming_conninfo")
	if err != nil {
		return err
	}
	defer closeConn(conn)
	sys, err := identifySystem(ctx, conn)
	if err != nil {
		return err
	}
	size, err := segmentSize(ctx, conn)
	if err != nil {
		return err
	}
	current, _, _ := walname.SegmentOf(sys.Timeline, sys.XLogPos, size)
	restart := current
	if opt.Slot != "" {
		sl, err := readSlot(ctx, conn, opt.Slot)
		if err != nil {
			return err
		}
		if sl.RestartLSN != 0 {
			restart, _, _ = walname.SegmentOf(sys.Timeline, sl.RestartLSN, size)
		}
	}
	if err := os.MkdirAll(opt.Dir, 0o700); err != nil {
		return err
	}
	p, err := findPosition(opt.Dir)
	if err != nil {
		return err
	}
	if !p.Found || p.Name == restart {
		out.Info("Nothing to do. Position of receive-wal is aligned.")
		return nil
	}
	if walname.Compare(p.Name, current) > 0 {
		return fmt.Errorf("the receive-wal position is ahead of PostgreSQL current WAL lsn (%s > %s)", filepath.Base(p.Path), current)
	}
	out.Info("Resetting receive-wal directory status")
	if p.Partial {
		out.Info("Removing status file %s", p.Path)
		if err := os.Remove(p.Path); err != nil {
			return err
		}
	}
	marker := filepath.Join(opt.Dir, restart.String()+".partial")
	out.Info("Creating status file %s", marker)
	f, err := os.OpenFile(marker, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}
