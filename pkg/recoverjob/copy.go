package recoverjob

import (
	"context"
	"github.com/gobarman/barman/pkg/shell"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/restore"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/throttle"
)

// CopyStep is the copy of a recovery: the files of a backup's records
// written to their destinations, each checksum checked, the tablespaces
// where the mapping says, with the pg_tblspc links and tablespace_map
// pointing there, and PostgreSQL's backup_manifest renamed
// backup_manifest.<ID> (it describes the backup, not the recovered
// cluster). barman recover and barman-restore both run it.
type CopyStep struct {
	Source   string                             // the backup's directory, base/<ID>: record paths are relative to it
	BackupID string                             // the backup's ID (backup_manifest.<ID>)
	Records  []*stream.BackupFile               // what to copy: the backup's manifest, or a part of it
	Mapping  restore.Mapping                    // where PGDATA and each tablespace go
	SSH      *sshcmd.Command                    // the destination host; nil: local
	Jobs     int                                // parallel copies
	Delta    bool                               // keep matching files, remove what the records do not list (local only)
	Bwlimit  int                                // KiB/s for all the files together; 0: no limit
	Limits   map[string]int64                   // KiB/s by tablespace name, instead of Bwlimit for its files
	Names    []TablespaceName                   // the tablespaces' names, in order; nil: from the records
	Progress func(done, total int64)            // called from the copy workers
	Done     func(rec *stream.BackupFile) error // called once per record written
}

// TablespaceName names a tablespace OID.
type TablespaceName struct {
	OID  uint32
	Name string
}

// Run copies, saying on out which tablespaces have their own limit.
func (c *CopyStep) Run(ctx context.Context, out report.Reporter) (restore.Stats, error) {
	opt := restore.Options{Jobs: c.Jobs, Delta: c.Delta, Replace: map[string][]byte{}, Throttle: throttle.New(int64(c.Bwlimit) * 1024),
		TablespaceThrottle: map[uint32]*throttle.Throttle{}, Progress: c.Progress, Done: c.Done}
	for _, ts := range c.names() {
		if kbps := c.Limits[ts.Name]; kbps > 0 {
			opt.TablespaceThrottle[ts.OID] = throttle.New(kbps * 1024)
			out.Info("Tablespace %s: bandwidth limit %d KiB/s (tablespace_bandwidth_limit)", ts.Name, kbps)
		}
	}
	manifest := false
	for _, rec := range c.Records {
		if rec.Kind != stream.FileRegular {
			continue
		}
		switch rec.Path {
		case "data/tablespace_map":
			opt.Replace[rec.Path] = c.Mapping.TablespaceMap(slices.Sorted(maps.Keys(c.Mapping.Tablespaces)))
		case "data/backup_manifest":
			manifest = true
		}
	}
	var st restore.Stats
	var err error
	if c.SSH == nil {
		st, err = restore.Local(ctx, c.Source, c.Records, c.Mapping, opt)
	} else {
		st, err = restore.Remote(ctx, c.SSH, c.Source, c.Records, c.Mapping, opt)
	}
	if err != nil || !manifest {
		return st, err
	}
	return st, c.rename(ctx, "backup_manifest", "backup_manifest."+c.BackupID)
}

// names are the tablespaces' names: Names, else those the records give.
func (c *CopyStep) names() []TablespaceName {
	if c.Names != nil {
		return c.Names
	}
	var out []TablespaceName
	for _, rec := range c.Records {
		if rec.TablespaceOID != 0 && rec.Path == strconv.FormatUint(uint64(rec.TablespaceOID), 10) {
			out = append(out, TablespaceName{OID: rec.TablespaceOID, Name: rec.Tablespace})
		}
	}
	return out
}

// rename renames a file of the destination's data directory.
func (c *CopyStep) rename(ctx context.Context, from, to string) error {
	d := c.Mapping.Dest
	if c.SSH == nil {
		return os.Rename(filepath.Join(d, from), filepath.Join(d, to))
	}
	_, err := restore.RunScript(ctx, c.SSH, "mv "+shell.Quote(path.Join(d, from))+" "+shell.Quote(path.Join(d, to)))
	return err
}

// BackupRecords returns the records of the backup in dir (base/<ID>) as
// the copy step takes them: its manifest when it has one (verified), else
// its files as listed, without checksums (a backup taken by Barman), the
// entries of each of its tablespaces named.
func BackupRecords(dir string, tablespaces []catalog.Tablespace) (recs []*stream.BackupFile, verified bool, err error) {
	oids := map[uint32]string{}
	names := map[string]catalog.Tablespace{}
	for _, ts := range tablespaces {
		oids[ts.OID] = ts.Location
		names[strconv.FormatUint(uint64(ts.OID), 10)] = ts
	}
	recs, verified, err = restore.Records(dir, oids)
	if err != nil || verified {
		return recs, verified, err
	}
	for _, rec := range recs {
		root, _, _ := strings.Cut(rec.Path, "/")
		if ts, ok := names[root]; ok {
			rec.TablespaceOID, rec.Tablespace = ts.OID, ts.Name
		}
	}
	return recs, false, nil
}

// copyData restores the backup's files, tablespaces relocated.
func (r *run) copyData(ctx context.Context) error {
	r.out.Info("Copying the base backup.")
	names := []TablespaceName{}
	for _, ts := range r.b.Tablespaces() {
		r.out.Info("\t%d, %s, %s", ts.OID, ts.Name, r.mapping.Tablespaces[ts.OID])
		names = append(names, TablespaceName{OID: ts.OID, Name: ts.Name})
	}
	dir := r.cat.Layout.BackupPath(r.b.ID)
	recs, verified, err := BackupRecords(dir, r.b.Tablespaces())
	if err != nil {
		return err
	}
	if !verified {
		r.out.Warning("backup %s has no manifest (%s): its files are copied without checksum verification", r.b.ID, restore.ManifestName)
	}
	var done, total atomic.Int64
	step := CopyStep{Source: dir, BackupID: r.b.ID, Records: recs, Mapping: r.mapping, SSH: r.ssh, Jobs: r.set.jobs,
		Delta: r.set.delta, Bwlimit: r.set.bwlimit, Limits: r.s.Backup.TablespaceLimits, Names: names,
		Progress: func(d, t int64) { done.Store(d); total.Store(t) }}
	stop := func() {}
	if r.o.Progress != nil {
		stop = r.o.Progress(func() (int64, int64) { return done.Load(), total.Load() })
	}
	r.copied, err = step.Run(ctx, r.out)
	stop()
	return err
}
