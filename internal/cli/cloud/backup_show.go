package cloud

import (
	"context"
	"fmt"

	engine "github.com/gobarman/barman/pkg/cloud"
)

// backupShow is barman-cloud-backup-show.
type backupShow struct {
	Common
	URL      string `arg:"" name:"source_url" help:"URL of the cloud source, e.g. s3://bucket/path."`
	Server   string `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
	BackupID string `arg:"" name:"backup_id" help:"The backup ID (or name)."`
	Format   string `default:"console" enum:"console,json" help:"Output format (console or json). Default console."`
}

func (c *backupShow) run(ctx context.Context, env *Env) error {
	const what = "Barman cloud backup show exception"
	_, cat, err := openCatalog(ctx, env, &c.Common, c.URL, c.Server)
	if err != nil {
		return generalError(what, err)
	}
	id, err := cat.Resolve(c.BackupID)
	if err != nil {
		return generalError(what, err)
	}
	b := cat.Get(id)
	if b == nil {
		return operationError(&engine.NoBackupError{ID: id, Server: c.Server})
	}
	out := engine.ShowConsole(b)
	if c.Format == "json" {
		out = engine.ShowJSON(b)
	}
	_, err = fmt.Fprint(env.Stdout, out)
	return err
}
