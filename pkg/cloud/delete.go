package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/retention"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/storage/s3store"
	"github.com/gobarman/barman/pkg/walname"
)

// Logger is where the engine reports, in Barman's levels.
// DeleteOptions are barman-cloud-backup-delete's options.
type DeleteOptions struct {
	BackupID          string // -b: an ID or a name
	Policy            string // -r: REDUNDANCY n | RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS
	MinimumRedundancy int    // -m
	DryRun            bool
	BatchSize         int // objects per delete request; 0: the store's maximum
	// LeftoverAge is how old what a killed upload or delete left must be
	// before a delete removes it (0: leftovers are left alone).
	LeftoverAge time.Duration
	Now         time.Time
	// KeyPrefix is the location's path ("" or ending in "/"), so that
	// messages name objects by their keys, as Barman does.
	KeyPrefix string
	Out       io.Writer // the --dry-run lines
	Log       Logger
}

// Refusal is a delete Barman refuses or that failed (exit code 1), with
// its message.
type Refusal struct {
	Msg string
	Err error
}

func (e *Refusal) Error() string { return e.Msg }
func (e *Refusal) Unwrap() error { return e.Err }

// PolicyError is a retention policy that cannot be parsed (a command-line
// error).
type PolicyError struct{ Err error }

func (e *PolicyError) Error() string { return e.Err.Error() }
func (e *PolicyError) Unwrap() error { return e.Err }

// Delete deletes backups as barman-cloud-backup-delete: the one
// opts.BackupID names, or those opts.Policy makes OBSOLETE, oldest first,
// each with the WAL files only it needed (Barman 3.4's rules). Then, unlike
// Barman, what killed uploads and deletes left and that is older than
// opts.LeftoverAge goes too (see Leftovers).
//
// A backup's backup.info is removed first, then its other objects: a
// delete killed halfway leaves a directory without backup.info, which no
// tool lists as a backup (Barman 3.4 removes backup.info last, so that a
// killed delete leaves a backup listed as DONE with missing data), and
// which the next delete removes as a leftover.
func Delete(ctx context.Context, c *Catalog, o DeleteOptions) error {
	d := &deleter{c: c, o: o}
	if len(c.Unreadable) > 0 {
		return &Refusal{Msg: fmt.Sprintf("Cannot read the following backups: %s\nUnsafe to proceed with deletion due to failure reading backup catalog", pyList(c.Unreadable))}
	}
	var err error
	if o.BackupID != "" {
		err = d.byID(ctx)
	} else {
		err = d.byPolicy(ctx)
	}
	if err != nil || o.LeftoverAge <= 0 {
		return err
	}
	return d.leftovers(ctx)
}

type deleter struct {
	c *Catalog
	o DeleteOptions
}

func (d *deleter) byID(ctx context.Context) error {
	c, server := d.c, d.c.Layout.Server
	id, err := c.Resolve(d.o.BackupID)
	if err != nil {
		return err
	}
	if _, kept, err := c.readKeep(ctx, id); err != nil {
		return err
	} else if kept {
		return &Refusal{Msg: fmt.Sprintf("Skipping delete of backup %s for server %s as it has a current keep request. "+
			"If you really want to delete this backup please remove the keep and try again.", id, server)}
	}
	if b := c.Get(id); b != nil && b.Status() == catalog.StatusDone {
		done := 0
		for _, o := range c.Backups {
			if o.Status() == catalog.StatusDone {
				done++
			}
		}
		if d.o.MinimumRedundancy >= done {
			return &Refusal{Msg: fmt.Sprintf("Skipping delete of backup %s for server %s due to minimum redundancy requirements "+
				"(minimum redundancy = %d, current redundancy = %d)", id, server, d.o.MinimumRedundancy, done)}
		}
	}
	return d.deleteBackup(ctx, id, true)
}

func (d *deleter) byPolicy(ctx context.Context) error {
	p, err := config.ParseRetentionPolicy(d.o.Policy)
	if err != nil {
		return &PolicyError{fmt.Errorf("Could not create retention policy %s: %w", d.o.Policy, err)}
	}
	obsolete, err := d.obsolete(ctx, retention.Policy{RetentionPolicy: p, MinimumRedundancy: d.o.MinimumRedundancy})
	if err != nil {
		return err
	}
	for _, id := range obsolete {
		if err := d.deleteBackup(ctx, id, false); err != nil {
			return err
		}
	}
	return nil
}

// obsolete returns the IDs the policy makes OBSOLETE, oldest first
// (pkg/retention: Barman's rules, but REDUNDANCY 0 keeps the newest DONE
// backup).
func (d *deleter) obsolete(ctx context.Context, p retention.Policy) ([]string, error) {
	c := d.c
	cat := &backups.Catalogue{Server: c.Layout.Server, Backups: slices.Clone(c.Backups)}
	for _, b := range c.Backups {
		target, _, err := c.KeepTarget(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		cat.RememberKeep(b.ID, target, target != "")
	}
	report, err := retention.Evaluate(p, cat, d.now())
	if err != nil {
		return nil, err
	}
	for _, w := range report.Warnings {
		d.o.Log.Warningf("%s", w)
	}
	var ids []string
	for _, b := range report.Obsolete(cat) {
		ids = append(ids, b.ID)
	}
	return ids, nil
}

func (d *deleter) now() time.Time {
	if d.o.Now.IsZero() {
		return time.Now()
	}
	return d.o.Now
}

// deleteBackup removes backup id, then the WAL files only it needed.
func (d *deleter) deleteBackup(ctx context.Context, id string, skipIfStandalone bool) error {
	c := d.c
	b := c.Get(id)
	if b == nil {
		d.o.Log.Warningf("Backup %s does not exist", id)
		return nil
	}
	objects, err := d.backupObjects(ctx, b)
	if err != nil {
		return err
	}
	info := c.Layout.BackupInfo(id)
	d.o.Log.Debugf("Will delete backup.info file at %s", d.o.KeyPrefix+info)
	if d.o.DryRun {
		d.skipping(append(objects, info))
	} else {
		d.o.Log.Infof("Deleting backup %s of server %s", id, c.Layout.Server)
		if err := c.Store.Remove(ctx, info); err != nil {
			return &Refusal{fmt.Sprintf("Could not delete backup %s: %v", id, err), err}
		}
		if err := d.remove(ctx, objects); err != nil {
			return &Refusal{fmt.Sprintf("Could not delete backup %s: %v (what is left has no backup.info: the next delete removes it as a leftover)", id, err), err}
		}
	}
	d.removeWALs(ctx, b, skipIfStandalone)
	c.forget(id)
	return nil
}

// backupObjects lists the objects of backup b but its backup.info, in
// Barman's order: the PGDATA archives, then each tablespace's by OID
// (the first archive, then the others by name), then anything else.
func (d *deleter) backupObjects(ctx context.Context, b *catalog.BackupInfo) ([]string, error) {
	dir := d.c.Layout.BackupDir(b.ID)
	info := d.c.Layout.BackupInfo(b.ID)
	var names []string
	err := d.c.Store.List(ctx, dir, storage.ListOptions{}, func(i storage.Info) error {
		if i.Name != info {
			names = append(names, i.Name)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list the objects of backup %s: %w", b.ID, err)
	}
	slices.SortStableFunc(names, func(x, y string) int {
		kx, ky := archiveKey(strings.TrimPrefix(x, dir)), archiveKey(strings.TrimPrefix(y, dir))
		for i := range kx {
			if kx[i] != ky[i] {
				return kx[i] - ky[i]
			}
		}
		return strings.Compare(x, y)
	})
	return names, nil
}

// archiveKey orders a backup's objects: (group, oid, additional): data
// archives first, tablespace archives by OID, the first archive of a root
// before its _NNNN parts, others last.
func archiveKey(name string) [3]int {
	root, rest := name, ""
	if i := strings.IndexAny(name, "._"); i >= 0 {
		root, rest = name[:i], name[i:]
	}
	extra := 0
	if strings.HasPrefix(rest, "_") {
		extra = 1
	}
	if strings.Contains(name, "/") || rest == "" {
		return [3]int{2, 0, 0}
	}
	if root == "data" {
		return [3]int{0, -1, extra}
	}
	if oid, err := strconv.Atoi(root); err == nil {
		return [3]int{0, oid, extra}
	}
	return [3]int{2, 0, 0}
}

// skipping prints Barman's --dry-run line for names.
func (d *deleter) skipping(names []string) {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = d.o.KeyPrefix + n
	}
	fmt.Fprintf(d.o.Out, "Skipping deletion of objects %s due to --dry-run option\n", pyList(keys))
}

// batchRemover is the capability of stores that delete many objects per
// request (s3store.Store.RemoveAll).
type batchRemover interface {
	RemoveAll(ctx context.Context, names []string) error
}

// remove deletes names in batches of BatchSize, one by one on a store
// without batch deletes.
func (d *deleter) remove(ctx context.Context, names []string) error {
	br, ok := d.c.Store.(batchRemover)
	if !ok {
		for _, n := range names {
			if err := d.c.Store.Remove(ctx, n); err != nil {
				return err
			}
		}
		return nil
	}
	size := d.o.BatchSize
	if size <= 0 {
		size = 1000
	}
	for batch := range slices.Chunk(names, size) {
		if err := br.RemoveAll(ctx, batch); err != nil {
			return err
		}
	}
	return nil
}

// removeWALs removes the WAL files that deleting b leaves unneeded, as
// Barman 3.4's barman-cloud-backup-delete: only when no older DONE or
// WAITING_FOR_WALS backup remains, or (retention policy) when every older
// one is kept as standalone, whose own WAL ranges then stay; files go up
// to the next backup's begin_wal, or b's own with no next backup; never
// the .history files nor the files of the other backups' timelines.
// Failures are logged, not returned (the backup is gone already).
func (d *deleter) removeWALs(ctx context.Context, b *catalog.BackupInfo, skipIfStandalone bool) {
	c := d.c
	var ranges [][2]string
	for prev := c.Previous(b.ID); prev != nil; prev = c.Previous(prev.ID) {
		target, _, err := c.KeepTarget(ctx, prev.ID)
		if err != nil {
			d.o.Log.Errorf("Cannot clean up WALs for backup %s because an error occurred reading keep annotations: %v", b.ID, err)
			return
		}
		if target != KeepStandalone || skipIfStandalone {
			return
		}
		ranges = append(ranges, [2]string{prev.BeginWAL(), prev.EndWAL()})
	}
	until := c.Next(b.ID)
	if until == nil {
		until = b
	}
	if until.BeginWAL() == "" {
		return
	}
	protect := map[uint32]bool{}
	for _, o := range c.Backups {
		if tli, ok := o.Timeline(); ok && o.ID != b.ID {
			protect[tli] = true
		}
	}
	if tli, ok := until.Timeline(); ok {
		delete(protect, tli)
	}
	wals, err := c.WALPaths(ctx)
	if err != nil {
		d.o.Log.Errorf("Cannot clean up WALs for backup %s because an error occurred listing WALs: %v", b.ID, err)
		return
	}
	var names, keys []string
	for name, key := range wals {
		if !walRemovable(name, until.BeginWAL(), protect, ranges) {
			continue
		}
		names = append(names, name)
		keys = append(keys, key)
	}
	if len(keys) == 0 {
		return
	}
	slices.Sort(keys)
	if d.o.DryRun {
		d.skipping(keys)
	} else if err := d.remove(ctx, keys); err != nil {
		prefixed := make([]string, len(keys))
		for i, k := range keys {
			prefixed[i] = d.o.KeyPrefix + k
		}
		d.o.Log.Errorf("Could not delete the following WALs for backup %s: %s, Reason: %v", b.ID, pyList(prefixed), err)
		return
	}
	c.forgetWAL(names...)
}

// walRemovable is Barman 3.4's test for one archived WAL file.
func walRemovable(name, until string, protect map[uint32]bool, ranges [][2]string) bool {
	n, err := walname.Parse(name)
	if err != nil || n.Kind == walname.History || protect[n.Timeline] {
		return false
	}
	seg := name
	if n.Kind == walname.BackupLabel {
		seg = name[:24]
	}
	for _, r := range ranges {
		if seg >= r[0] && seg <= r[1] {
			return false
		}
	}
	return name < until
}

// pyList is Python's repr of a list of strings.
func pyList(items []string) string {
	l := make(catalog.PyList, len(items))
	for i, s := range items {
		l[i] = catalog.PyStr(s)
	}
	return catalog.PyRepr(l)
}

// uploadStore is the capability of stores that keep incomplete multipart
// uploads (S3).
type uploadStore interface {
	IncompleteUploads(ctx context.Context, prefix string) ([]s3store.Upload, error)
	AbortUpload(ctx context.Context, u s3store.Upload) error
}

// leftovers removes what killed runs left under SERVER/, older than
// LeftoverAge: backup directories without backup.info (a killed
// barman-cloud-backup, or a delete killed after it removed backup.info)
// whose newest object and upload are that old, and incomplete multipart
// uploads that old (outside a backup directory still being written).
// With --dry-run it says what it would remove.
func (d *deleter) leftovers(ctx context.Context) error {
	c := d.c
	cutoff := d.now().Add(-d.o.LeftoverAge)
	newest := map[string]time.Time{} // backup dir without backup.info -> newest object or upload
	for _, id := range c.NoInfo {
		newest[id] = time.Time{}
	}
	var uploads []s3store.Upload
	us, hasUploads := c.Store.(uploadStore)
	if hasUploads {
		var err error
		if uploads, err = us.IncompleteUploads(ctx, c.Layout.Server+"/"); err != nil {
			return fmt.Errorf("list the incomplete uploads of server %s: %w", c.Layout.Server, err)
		}
		for _, u := range uploads {
			if id := d.backupDirOf(u.Name); id != "" && c.Get(id) == nil && !slices.Contains(c.Unreadable, id) {
				newest[id] = later(newest[id], u.Initiated)
			}
		}
	}
	objects := map[string][]string{}
	for id := range newest {
		err := c.Store.List(ctx, c.Layout.BackupDir(id), storage.ListOptions{}, func(i storage.Info) error {
			objects[id] = append(objects[id], i.Name)
			newest[id] = later(newest[id], i.ModTime)
			return nil
		})
		if err != nil {
			return fmt.Errorf("list the objects of %s: %w", c.Layout.BackupDir(id), err)
		}
	}
	var stale []string
	for id := range newest {
		if newest[id].Before(cutoff) {
			stale = append(stale, id)
		} else {
			d.o.Log.Infof("Leaving %s alone: it has no backup.info, but it changed less than %s ago (a backup may be running)", d.o.KeyPrefix+c.Layout.BackupDir(id), d.o.LeftoverAge)
		}
	}
	slices.Sort(stale)
	for _, id := range stale {
		names := objects[id]
		if len(names) == 0 {
			continue
		}
		if d.o.DryRun {
			fmt.Fprintf(d.o.Out, "Skipping deletion of leftover objects %s (no backup.info, older than %s) due to --dry-run option\n", pyList(prefixAll(d.o.KeyPrefix, names)), d.o.LeftoverAge)
			continue
		}
		d.o.Log.Infof("Deleting %d leftover objects of %s (no backup.info, older than %s)", len(names), d.o.KeyPrefix+c.Layout.BackupDir(id), d.o.LeftoverAge)
		if err := d.remove(ctx, names); err != nil {
			return fmt.Errorf("delete the leftovers of %s: %w", c.Layout.BackupDir(id), err)
		}
	}
	for _, u := range uploads {
		if !u.Initiated.Before(cutoff) {
			continue
		}
		if id := d.backupDirOf(u.Name); id != "" && c.Get(id) == nil && !slices.Contains(stale, id) {
			continue // a backup directory still being written
		}
		if d.o.DryRun {
			fmt.Fprintf(d.o.Out, "Skipping abort of incomplete upload %s (started %s) due to --dry-run option\n", d.o.KeyPrefix+u.Name, u.Initiated.UTC().Format(time.RFC3339))
			continue
		}
		d.o.Log.Infof("Aborting incomplete upload %s (started %s)", d.o.KeyPrefix+u.Name, u.Initiated.UTC().Format(time.RFC3339))
		if err := us.AbortUpload(ctx, u); err != nil && !errors.Is(err, storage.ErrNotExist) {
			return err
		}
	}
	return nil
}

// backupDirOf is the backup ID of a name under SERVER/base/ID/, or "".
func (d *deleter) backupDirOf(name string) string {
	rest, ok := strings.CutPrefix(name, d.c.Layout.BasePrefix())
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "/")
	if !ok || id == "" {
		return ""
	}
	return id
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func prefixAll(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}
