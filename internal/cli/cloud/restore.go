package cloud

import (
	"context"
	"errors"
	"fmt"
	"strings"

	engine "github.com/gobarman/barman/pkg/cloud"
)

// restoreCmd is barman-cloud-restore: a backup from the bucket into a
// new (missing or empty) directory.
type restoreCmd struct {
	Common
	Tablespace  []string `name:"tablespace" sep:"none" placeholder:"NAME:LOCATION" help:"Tablespace relocation rule (repeat the option for several)."`
	Jobs        int      `short:"J" default:"2" help:"Archives downloaded and extracted at once (default: 2)."`
	URL         string   `arg:"" name:"source_url" help:"URL of the cloud source, e.g. s3://bucket/path."`
	Server      string   `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
	BackupID    string   `arg:"" name:"backup_id" help:"The backup ID, or its name."`
	RecoveryDir string   `arg:"" name:"recovery_dir" help:"The path to a directory for recovery."`
}

// tablespaceMap parses the --tablespace rules.
func tablespaceMap(rules []string) (map[string]string, error) {
	m := map[string]string{}
	for _, r := range rules {
		name, loc, ok := strings.Cut(r, ":")
		if !ok {
			return nil, fmt.Errorf("Invalid tablespace relocation rule '%s'\nHINT: The valid syntax for a relocation rule is NAME:LOCATION", r)
		}
		m[name] = loc
	}
	return m, nil
}

func (c *restoreCmd) run(ctx context.Context, env *Env) error {
	if c.Jobs < 1 {
		return cliError(fmt.Errorf("argument -J/--jobs: %d is an invalid positive int value", c.Jobs))
	}
	spc, err := tablespaceMap(c.Tablespace)
	if err != nil {
		return cliError(err)
	}
	if err := engine.CheckServerName(c.Server); err != nil {
		return cliError(err)
	}
	st, exists, err := open(ctx, env, &c.Common, c.conn(c.URL))
	if err != nil {
		return err
	}
	if !exists {
		env.Log.Errorf("Bucket %s does not exist", st.Config().Bucket)
		return &ExitError{Code: ExitOperation}
	}
	err = engine.Restore(ctx, st, engine.RestoreOptions{
		Server: c.Server, Backup: c.BackupID, Dest: c.RecoveryDir, Tablespaces: spc, Jobs: c.Jobs, Log: env.Log,
	})
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrNotEmpty), errors.Is(err, engine.ErrNoBackup):
		env.Log.Errorf("%s", capitalize(err.Error()))
		return &ExitError{Code: ExitOperation}
	case errors.Is(err, context.Canceled):
		env.Log.Errorf("Barman cloud restore was interrupted by the user")
		return &ExitError{Code: ExitOperation}
	}
	return &ExitError{Code: ExitGeneral, Err: fmt.Errorf("Barman cloud restore exception: %w", err)}
}

// capitalize gives Barman's messages their capital first letter.
func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
