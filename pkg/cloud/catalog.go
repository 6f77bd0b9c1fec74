package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/s3store"
	"github.com/gobarman/barman/pkg/walname"
)

// Catalog is the backups of one server in a bucket, read once, with
// Barman 3.4's rules (CloudBackupCatalog): every directory under
// SERVER/base/ with a backup.info is a backup; a directory without one is
// skipped (it is a backup being written, or what a killed upload or delete
// left: NoInfo); one whose backup.info cannot be read or parsed is skipped
// with a warning (Unreadable).
type Catalog struct {
	Store   storage.Storage
	Layout  Layout
	Backups []*catalog.BackupInfo // sorted by ID, oldest first
	// Unreadable are the IDs whose backup.info could not be read.
	Unreadable []string
	// NoInfo are the IDs of the directories without a backup.info.
	NoInfo []string
	// keeps maps the IDs that have a keep annotation to its target; nil
	// until the annotations are listed.
	keeps map[string]string
	wals  map[string]string
}

// Warnf reports a problem that does not stop the command.
type Warnf func(format string, args ...any)

// LoadCatalog reads the backup.info of every backup of server. Errors
// reaching the store end it; a backup.info that cannot be parsed is a
// warning, as for Barman.
func LoadCatalog(ctx context.Context, st storage.Storage, server string, warn Warnf) (*Catalog, error) {
	if err := CheckServerName(server); err != nil {
		return nil, err
	}
	c := &Catalog{Store: st, Layout: Layout{Server: server}}
	var dirs []string
	err := st.List(ctx, c.Layout.BasePrefix(), storage.ListOptions{Delimiter: "/"}, func(i storage.Info) error {
		if i.Dir {
			dirs = append(dirs, path.Base(strings.TrimSuffix(i.Name, "/")))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the backups of server %s: %w", server, err)
	}
	for _, id := range dirs {
		b, err := c.readInfo(ctx, id)
		switch {
		case errors.Is(err, storage.ErrNotExist):
			c.NoInfo = append(c.NoInfo, id)
		case err != nil && isStoreFailure(err):
			return nil, err
		case err != nil:
			warn("Unable to open backup.info file for %s: %v", id, err)
			c.Unreadable = append(c.Unreadable, id)
		default:
			c.Backups = append(c.Backups, b)
		}
	}
	slices.SortFunc(c.Backups, func(a, b *catalog.BackupInfo) int { return strings.Compare(a.ID, b.ID) })
	return c, nil
}

// isStoreFailure tells a store that cannot be reached (or lost its
// bucket) from an object that cannot be read.
func isStoreFailure(err error) bool {
	k := s3store.KindOf(err)
	return k == s3store.Network || k == s3store.NoBucket || errors.Is(err, context.Canceled)
}

func (c *Catalog) readInfo(ctx context.Context, id string) (*catalog.BackupInfo, error) {
	name := c.Layout.BackupInfo(id)
	data, err := storage.ReadAll(ctx, c.Store, name)
	if err != nil {
		return nil, err
	}
	b, err := catalog.ParseBackupInfo(bytes.NewReader(data), name)
	if err != nil {
		return nil, err
	}
	b.ID = id
	return b, nil
}

// Get returns backup id, or nil.
func (c *Catalog) Get(id string) *catalog.BackupInfo {
	if i := c.index(id); i >= 0 {
		return c.Backups[i]
	}
	return nil
}

func (c *Catalog) index(id string) int {
	return slices.IndexFunc(c.Backups, func(b *catalog.BackupInfo) bool { return b.ID == id })
}

var backupIDRe = regexp.MustCompile(`^\d{8}T\d{6}$`)

// IsBackupID reports whether s looks like a backup ID (Barman's
// is_backup_id: YYYYMMDDTHHMMSS); anything else is a backup name.
func IsBackupID(s string) bool { return backupIDRe.MatchString(s) }

// Resolve turns a backup ID or name (barman-cloud-backup -n) into an ID,
// as Barman's parse_backup_id: an ID is returned as it is, whether or not
// the backup exists; a name must match exactly one backup.
func (c *Catalog) Resolve(ref string) (string, error) {
	if IsBackupID(ref) {
		return ref, nil
	}
	var ids []string
	for _, b := range c.Backups {
		if b.BackupName() == ref {
			ids = append(ids, b.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Errorf("Unknown backup '%s' for server '%s'", ref, c.Layout.Server)
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("Multiple backups found matching name '%s' (try using backup ID instead): %s", ref, strings.Join(ids, " "))
}

// Previous returns the newest DONE or WAITING_FOR_WALS backup older than
// id (Barman's find_previous_backup_in with its default filter), or nil.
func (c *Catalog) Previous(id string) *catalog.BackupInfo {
	for _, b := range slices.Backward(c.Backups) {
		if b.ID < id && copyDone(b) {
			return b
		}
	}
	return nil
}

// Next returns the oldest DONE or WAITING_FOR_WALS backup newer than id,
// or nil.
func (c *Catalog) Next(id string) *catalog.BackupInfo {
	for _, b := range c.Backups {
		if b.ID > id && copyDone(b) {
			return b
		}
	}
	return nil
}

func copyDone(b *catalog.BackupInfo) bool {
	s := b.Status()
	return s == catalog.StatusDone || s == catalog.StatusWaitingForWALs
}

// WALPaths maps the name of every archived WAL file of the server
// (segments, .partial, .backup and .history files) to its object, as
// Barman's get_wal_paths: objects under SERVER/wals/ whose base name is a
// WAL file name, alone or with one compression suffix. Barman 3.4 knows
// only .gz, .bz2 and .snappy; the .zst and .lz4 of later Barmans are
// accepted too.
func (c *Catalog) WALPaths(ctx context.Context) (map[string]string, error) {
	if c.wals != nil {
		return c.wals, nil
	}
	wals := map[string]string{}
	err := c.Store.List(ctx, c.Layout.WALPrefix(), storage.ListOptions{}, func(i storage.Info) error {
		base := path.Base(i.Name)
		if walname.Classify(base) != walname.Unknown {
			wals[base] = i.Name
			return nil
		}
		if name, algo := SplitExt(base); name != base && algo != compress.None && walname.Classify(name) != walname.Unknown {
			wals[name] = i.Name
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the WAL files of server %s: %w", c.Layout.Server, err)
	}
	c.wals = wals
	return wals, nil
}

// forgetWAL drops removed WAL files from the cached listing.
func (c *Catalog) forgetWAL(names ...string) {
	for _, n := range names {
		delete(c.wals, n)
	}
}

// forget drops a deleted backup from the catalogue.
func (c *Catalog) forget(id string) {
	if i := c.index(id); i >= 0 {
		c.Backups = slices.Delete(c.Backups, i, i+1)
	}
	delete(c.keeps, id)
}
