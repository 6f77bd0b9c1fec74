package cloud

import (
	"context"
	"errors"
	"fmt"

	engine "github.com/gobarman/barman/pkg/cloud"
)

// backupKeep is barman-cloud-backup-keep.
type backupKeep struct {
	Common
	URL      string `arg:"" name:"source_url" help:"URL of the cloud source, e.g. s3://bucket/path."`
	Server   string `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
	BackupID string `arg:"" name:"backup_id" help:"The backup ID (or name) of the backup to be kept."`
	Release  bool   `short:"r" help:"Remove the keep annotation: the backup becomes eligible for deletion."`
	Status   bool   `short:"s" help:"Print the keep status of the backup."`
	Target   string `enum:",full,standalone" default:"" help:"The recovery target for this backup: full or standalone."`
}

func (c *backupKeep) run(ctx context.Context, env *Env) error {
	const what = "Barman cloud keep exception"
	n := 0
	for _, set := range []bool{c.Release, c.Status, c.Target != ""} {
		if set {
			n++
		}
	}
	if n != 1 {
		return cliError(errors.New("one of the arguments -r/--release -s/--status --target is required (and only one)"))
	}
	_, cat, err := openCatalog(ctx, env, &c.Common, c.URL, c.Server)
	if err != nil {
		return generalError(what, err)
	}
	id, err := cat.Resolve(c.BackupID)
	if err != nil {
		return generalError(what, err)
	}
	switch {
	case c.Release:
		err = cat.Release(ctx, id)
	case c.Status:
		var line string
		if line, err = cat.KeepStatus(ctx, id); err == nil {
			_, err = fmt.Fprintln(env.Stdout, line)
		}
	default:
		err = cat.Keep(ctx, id, c.Target)
		var nd *engine.NotDoneError
		var nb *engine.NoBackupError
		if errors.As(err, &nd) || errors.As(err, &nb) {
			return operationError(err)
		}
	}
	if err != nil {
		return generalError(what, err)
	}
	return nil
}
