package cloud

import (
	"context"
	"errors"
	"fmt"

	engine "github.com/gobarman/barman/pkg/cloud"
)

// checkWALArchive is barman-cloud-check-wal-archive: is the WAL archive
// safe to use for a new cluster?
type checkWALArchive struct {
	Common
	URL      string `arg:"" name:"destination_url" help:"URL of the cloud destination, such as a bucket in AWS S3. For example: s3://bucket/path/to/folder."`
	Server   string `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
	Timeline *int   `placeholder:"N" help:"The earliest timeline whose WALs should cause the check to fail."`
}

func (c *checkWALArchive) run(ctx context.Context, env *Env) error {
	var tli uint32
	if c.Timeline != nil {
		if *c.Timeline < 1 || *c.Timeline > 1<<32-1 {
			return cliError(fmt.Errorf("--timeline %d: want a positive timeline", *c.Timeline))
		}
		tli = uint32(*c.Timeline)
	}
	if err := engine.CheckServerName(c.Server); err != nil {
		return cliError(err)
	}
	st, exists, err := open(ctx, env, &c.Common, c.conn(c.URL))
	if err != nil {
		return err
	}
	if !exists {
		// As Barman: a bucket that does not exist is an empty archive.
		env.Log.Infof("Bucket %s does not exist: the WAL archive is empty", st.Config().Bucket)
		return nil
	}
	err = engine.CheckWALArchive(ctx, st, engine.CheckOptions{Server: c.Server, Timeline: tli})
	if errors.Is(err, engine.ErrArchiveNotUsable) {
		return operationError(err)
	}
	return err
}
