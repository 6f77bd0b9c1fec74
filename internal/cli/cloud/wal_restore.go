package cloud

import (
	"context"
	"errors"
	"fmt"

	engine "github.com/gobarman/barman/pkg/cloud"
	"github.com/gobarman/barman/pkg/walname"
)

// walRestore is barman-cloud-wal-restore: restore_command fetching one WAL
// file from the cloud, with optional prefetching of the next segments.
type walRestore struct {
	Common
	URL      string `arg:"" name:"source_url" help:"URL of the cloud source, such as a bucket in AWS S3. For example: s3://bucket/path/to/folder."`
	Server   string `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
	WALName  string `arg:"" name:"wal_name" help:"The value of the '%f' keyword (according to 'restore_command')."`
	WALDest  string `arg:"" name:"wal_dest" help:"The value of the '%p' keyword (according to 'restore_command')."`
	Parallel int    `short:"p" default:"1" placeholder:"N" help:"Fetch the requested segment and the N-1 segments after it at once, keeping the others in the spool directory for the next calls (default 1: no prefetch)."`
	SpoolDir string `name:"spool-dir" placeholder:"DIR" help:"Where prefetched segments wait (default /var/tmp/walrestore-SERVER_NAME)."`
}

func (c *walRestore) run(ctx context.Context, env *Env) error {
	if walname.Classify(c.WALName) == walname.Unknown {
		return cliError(fmt.Errorf("%s is an invalid name for a WAL file", c.WALName))
	}
	if err := engine.CheckServerName(c.Server); err != nil {
		return cliError(err)
	}
	if c.Parallel < 1 {
		return cliError(errors.New("--parallel must be at least 1"))
	}
	spool := c.SpoolDir
	if spool == "" {
		spool = engine.DefaultSpoolDir(c.Server)
	}
	// A prefetched segment is served without contacting the store.
	if (c.Parallel > 1 || c.SpoolDir != "") && !c.Test {
		taken, err := engine.TakeFromSpool(spool, c.WALName, c.WALDest, env.Log.Infof)
		if err != nil || taken {
			return err
		}
	}
	st, exists, err := open(ctx, env, &c.Common, c.conn(c.URL))
	if err != nil {
		return err
	}
	if !exists {
		return operationError(fmt.Errorf("Bucket %s does not exist", st.Config().Bucket))
	}
	err = engine.RestoreWAL(ctx, st, c.WALName, c.WALDest, engine.WALRestoreOptions{
		Server: c.Server, Parallel: c.Parallel, SpoolDir: spool, Log: env.Log.Infof,
	})
	switch {
	case errors.Is(err, engine.ErrWALNotFound):
		// PostgreSQL asks for files that do not exist (the next
		// timeline's history, the end of the archive): as Barman, at INFO.
		env.Log.Infof("WAL file %s for server %s does not exists", c.WALName, c.Server)
		return &ExitError{Code: ExitOperation}
	case errors.Is(err, engine.ErrRefused):
		// The archive holds a damaged object (checksum, decompression,
		// WAL header) under this name: an exit status above 125 makes
		// PostgreSQL abort the recovery, where 1 (Barman's) would make it
		// take the damage for the end of the archive and promote early.
		return &ExitError{Code: ExitDamaged, Err: err}
	}
	return err
}
