package cloud

import (
	"context"
	"errors"
	"time"

	engine "github.com/gobarman/barman/pkg/cloud"
)

// backupDelete is barman-cloud-backup-delete.
type backupDelete struct {
	Common
	URL               string        `arg:"" name:"source_url" help:"URL of the cloud source, e.g. s3://bucket/path."`
	Server            string        `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
	BackupID          string        `short:"b" name:"backup-id" help:"Backup ID (or name) of the backup to be deleted."`
	RetentionPolicy   string        `short:"r" name:"retention-policy" help:"Delete every backup the retention policy makes obsolete: REDUNDANCY value | RECOVERY WINDOW OF value {DAYS | WEEKS | MONTHS}."`
	MinimumRedundancy int           `short:"m" name:"minimum-redundancy" default:"0" help:"The minimum number of DONE backups that must remain."`
	DryRun            bool          `name:"dry-run" help:"Find the objects which need to be deleted but do not delete them."`
	BatchSize         int           `name:"batch-size" placeholder:"N" help:"The maximum number of objects deleted in a single request (default 1000, S3's maximum)."`
	LeftoverAge       time.Duration `name:"leftover-age" default:"24h" placeholder:"DURATION" help:"Also remove what killed uploads or deletes left (backup directories without backup.info, incomplete multipart uploads) once older than this (e.g. 24h, 90m); 0 leaves them alone."`
}

func (c *backupDelete) run(ctx context.Context, env *Env) error {
	const what = "Barman cloud backup delete exception"
	if (c.BackupID == "") == (c.RetentionPolicy == "") {
		return cliError(errors.New("one of the arguments -b/--backup-id -r/--retention-policy is required (and only one)"))
	}
	if c.MinimumRedundancy < 0 || c.BatchSize < 0 || c.LeftoverAge < 0 {
		return cliError(errors.New("--minimum-redundancy, --batch-size and --leftover-age must not be negative"))
	}
	st, cat, err := openCatalog(ctx, env, &c.Common, c.URL, c.Server)
	if err != nil {
		return generalError(what, err)
	}
	err = engine.Delete(ctx, cat, engine.DeleteOptions{
		BackupID: c.BackupID, Policy: c.RetentionPolicy, MinimumRedundancy: c.MinimumRedundancy,
		DryRun: c.DryRun, BatchSize: c.BatchSize, LeftoverAge: c.LeftoverAge,
		KeyPrefix: keyPrefix(st), Out: env.Stdout, Log: env.Log,
	})
	var refusal *engine.Refusal
	var policy *engine.PolicyError
	switch {
	case errors.As(err, &refusal):
		return operationError(err)
	case errors.As(err, &policy):
		return cliError(err)
	case err != nil:
		return generalError(what, err)
	}
	return nil
}
