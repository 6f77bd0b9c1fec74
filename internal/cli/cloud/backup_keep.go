package cloud

import (
	"context"
	"errors"
)

// backupKeep is not implemented yet (issue 14, in progress).
type backupKeep struct {
	Common
	URL    string `arg:"" name:"url" help:"URL of the cloud location, e.g. s3://bucket/path."`
	Server string `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
}

func (c *backupKeep) run(ctx context.Context, env *Env) error {
	if _, _, err := open(ctx, env, &c.Common, c.conn(c.URL)); err != nil {
		return err
	}
	return errors.New("not implemented yet")
}
