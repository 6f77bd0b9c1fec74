package cloud

import (
	"context"
	"fmt"

	engine "github.com/gobarman/barman/pkg/cloud"
	"github.com/gobarman/barman/pkg/storage/s3store"
)

// backupList is barman-cloud-backup-list.
type backupList struct {
	Common
	URL    string `arg:"" name:"source_url" help:"URL of the cloud source, e.g. s3://bucket/path."`
	Server string `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
	Format string `default:"console" enum:"console,json" help:"Output format (console or json). Default console."`
}

func (c *backupList) run(ctx context.Context, env *Env) error {
	_, cat, err := openCatalog(ctx, env, &c.Common, c.URL, c.Server)
	if err != nil {
		return generalError("Barman cloud backup list exception", err)
	}
	if c.Format == "json" {
		_, err := fmt.Fprint(env.Stdout, engine.ListJSON(cat))
		return err
	}
	out, err := engine.ListConsole(cat, func(id string) (string, error) {
		t, _, err := cat.KeepTarget(ctx, id)
		return t, err
	})
	if err != nil {
		return generalError("Barman cloud backup list exception", err)
	}
	_, err = fmt.Fprint(env.Stdout, out)
	return err
}

// openCatalog opens the store, checks that the bucket exists (Barman: an
// operation error) and reads the server's catalogue.
func openCatalog(ctx context.Context, env *Env, c *Common, url, server string) (*s3store.Store, *engine.Catalog, error) {
	st, exists, err := open(ctx, env, c, c.conn(url))
	if err != nil {
		return nil, nil, err
	}
	if !exists {
		return nil, nil, operationError(fmt.Errorf("Bucket %s does not exist", st.Config().Bucket))
	}
	if err := engine.CheckServerName(server); err != nil {
		return nil, nil, cliError(err)
	}
	cat, err := engine.LoadCatalog(ctx, st, server, env.Log.Warningf)
	if err != nil {
		return nil, nil, err
	}
	return st, cat, nil
}

// generalError prefixes an error that has no exit code of its own with
// what Barman prints for it ("Barman cloud backup list exception: ...").
func generalError(what string, err error) error {
	if _, ok := err.(*ExitError); ok || err == errTestDone {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// keyPrefix is the location's path as a key prefix ("" or "path/").
func keyPrefix(st *s3store.Store) string {
	if p := st.Config().Prefix; p != "" {
		return p + "/"
	}
	return ""
}
