// Package restore is the barman-restore stage binary: write the files of a
// backup's manifest records to a destination, checking each checksum. It
// runs barman recover's copy step (recoverjob.CopyStep); this package only
// reads the records, maps the destinations and writes the stage's records.
// cmd/barman-restore/main.go only calls Main. See man/barman-restore.1.md.
package restore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/recoverjob"
	rs "github.com/gobarman/barman/pkg/restore"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/stream"
)

const (
	name  = "barman-restore"
	stage = "restore"
)

type cli struct {
	Source     string           `short:"s" required:"" placeholder:"DIR" help:"The backup's directory (base/<ID>): manifest paths are relative to it."`
	Dest       string           `short:"d" required:"" placeholder:"DIR" help:"Where PGDATA goes (data/... paths)."`
	Tablespace []string         `short:"t" placeholder:"NAME|OID:LOCATION" help:"Where a tablespace goes (default: where its pg_tblspc link pointed)."`
	SSH        string           `name:"ssh" placeholder:"COMMAND" help:"Write on another host through this SSH command (tar there)."`
	Jobs       int              `short:"j" default:"2" help:"Parallel copies."`
	Delta      bool             `help:"Keep destination files that match; remove what the manifest does not list (local only)."`
	Bwlimit    int              `name:"bwlimit" placeholder:"KBPS" help:"Limit the copy to KBPS kilobytes per second (0: no limit)."`
	TbsLimit   []string         `name:"tablespace-bwlimit" placeholder:"NAME:KBPS" help:"Limit the files of tablespace NAME to KBPS kilobytes per second instead (repeatable)."`
	BackupID   string           `name:"backup-id" placeholder:"ID" help:"The backup's ID, for backup_manifest.ID (default: from the records, else the name of the -s directory)."`
	FromBackup bool             `name:"from-backup" help:"Read the records from the backup's directory, not standard input: its manifest, else its files as listed (a backup taken by Barman: no checksums)."`
	Quiet      bool             `short:"q" help:"Write only the summary record, not one record per restored entry."`
	Progress   time.Duration    `default:"5s" placeholder:"INTERVAL" help:"Write a progress record this often (0: never)."`
	Version    kong.VersionFlag `short:"v" help:"Print the version and exit."`
}

// Main runs barman-restore with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Write the files of a backup's manifest records (standard input) to a destination, checking each checksum.", &c, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	return clikit.Run(name, stderr, func(ctx context.Context) error { return c.run(ctx, stdin, stdout, stderr) })
}

func (c *cli) run(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error {
	start := time.Now()
	w := stream.NewWriter(stdout)
	recs, err := c.records(stdin, stderr)
	if err != nil {
		return err
	}
	m, err := c.mapping(recs)
	if err != nil {
		return err
	}
	step, err := c.step(recs, m)
	if err != nil {
		return err
	}
	var files, done, total atomic.Int64
	step.Done = func(r *stream.BackupFile) error {
		if r.Kind == stream.FileRegular {
			files.Add(1)
		}
		if c.Quiet {
			return nil
		}
		return w.Write(r)
	}
	step.Progress = func(d, t int64) { done.Store(d); total.Store(t) }
	var regular int64
	for _, r := range recs {
		if r.Kind == stream.FileRegular {
			regular++
		}
	}
	stopProgress := stream.ReportProgress(w, c.Progress, func() stream.Progress {
		return stream.Progress{Stage: stage, DoneFiles: files.Load(), TotalFiles: regular, DoneBytes: done.Load(), TotalBytes: total.Load()}
	})
	st, err := step.Run(ctx, messages{stderr})
	stopProgress()
	sum := &stream.Summary{Stage: stage, Files: int64(st.Files), Bytes: st.Bytes, ElapsedSeconds: time.Since(start).Seconds(),
		Statuses: map[string]int64{"restored": int64(st.Files - st.Reused), "reused": int64(st.Reused), "unverified": int64(st.Unverified)}}
	if err != nil {
		sum.Errors, sum.ExitStatus = 1, clikit.ExitFailure
		code, hint := stream.CodeIO, ""
		var ce *rs.ChecksumError
		var ue *rs.UnsafePathError
		switch {
		case errors.As(err, &ce):
			code, hint = stream.CodeChecksum, "the backup cannot be trusted: recover from another backup"
		case errors.As(err, &ue):
			code, hint = stream.CodeUnsafePath, "the backup cannot be trusted: recover from another backup"
		}
		w.Write(&stream.Error{Stage: stage, Code: code, Message: err.Error(), Hint: hint})
	}
	w.Write(sum)
	return err
}

// records reads the records from standard input, or with --from-backup
// from the backup's directory as barman recover does.
func (c *cli) records(stdin io.Reader, stderr io.Writer) ([]*stream.BackupFile, error) {
	if !c.FromBackup {
		recs, err := rs.ReadRecords(stdin, "standard input")
		if err != nil {
			return nil, clikit.WithHint(err, "give the backup's manifest: barman-restore -s BACKUP_DIR -d DEST < BACKUP_DIR/manifest.jsonl")
		}
		return recs, nil
	}
	tablespaces, err := backupTablespaces(c.Source)
	if err != nil {
		return nil, err
	}
	recs, verified, err := recoverjob.BackupRecords(c.Source, tablespaces)
	if err != nil {
		return nil, err
	}
	if !verified {
		messages{stderr}.Warning("%s has no manifest (%s): its files are copied without checksum verification", c.Source, rs.ManifestName)
	}
	return recs, nil
}

// backupTablespaces lists the tablespaces of the backup in dir: those of
// its backup.info, named, and any other data/pg_tblspc/<oid> link.
func backupTablespaces(dir string) ([]catalog.Tablespace, error) {
	var out []catalog.Tablespace
	if b, err := catalog.ReadBackupInfo(filepath.Join(dir, "backup.info")); err == nil {
		out = b.Tablespaces()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	entries, err := os.ReadDir(filepath.Join(dir, "data", "pg_tblspc"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range entries {
		oid, err := strconv.ParseUint(e.Name(), 10, 32)
		if err == nil && !slices.ContainsFunc(out, func(ts catalog.Tablespace) bool { return ts.OID == uint32(oid) }) {
			out = append(out, catalog.Tablespace{OID: uint32(oid)})
		}
	}
	return out, nil
}

// mapping builds the destinations: --dest for PGDATA; each tablespace
// where --tablespace says, else where its pg_tblspc/<oid> link pointed.
func (c *cli) mapping(recs []*stream.BackupFile) (rs.Mapping, error) {
	dest, err := filepath.Abs(c.Dest)
	if c.SSH != "" {
		dest, err = filepath.Clean(c.Dest), nil
	}
	if err != nil {
		return rs.Mapping{}, err
	}
	m := rs.Mapping{Dest: dest, Tablespaces: map[uint32]string{}}
	names := map[string]uint32{}
	for _, r := range recs {
		if r.TablespaceOID != 0 {
			names[r.Tablespace] = r.TablespaceOID
			if _, ok := m.Tablespaces[r.TablespaceOID]; !ok {
				m.Tablespaces[r.TablespaceOID] = ""
			}
		}
		if dir, base := filepath.Split(r.Path); dir == "data/pg_tblspc/" && r.Kind == stream.FileSymlink {
			if oid, err := strconv.ParseUint(base, 10, 32); err == nil {
				m.Tablespaces[uint32(oid)] = r.Link
			}
		}
	}
	for _, t := range c.Tablespace {
		key, loc, ok := strings.Cut(t, ":")
		if !ok || !filepath.IsAbs(loc) {
			return m, fmt.Errorf("--tablespace %q: want NAME:LOCATION or OID:LOCATION with an absolute LOCATION", t)
		}
		oid, isName := names[key]
		if !isName {
			n, err := strconv.ParseUint(key, 10, 32)
			if err != nil {
				return m, fmt.Errorf("--tablespace %q: the manifest has no tablespace %q", t, key)
			}
			oid = uint32(n)
		}
		m.Tablespaces[oid] = loc
	}
	for oid, loc := range m.Tablespaces {
		if loc == "" {
			return m, fmt.Errorf("tablespace %d has no pg_tblspc link in the manifest: give its location with --tablespace %d:LOCATION", oid, oid)
		}
	}
	return m, nil
}

// step is the copy step of barman recover, for these records.
func (c *cli) step(recs []*stream.BackupFile, m rs.Mapping) (*recoverjob.CopyStep, error) {
	step := &recoverjob.CopyStep{Source: c.Source, BackupID: c.BackupID, Records: recs, Mapping: m, Jobs: c.Jobs,
		Delta: c.Delta, Bwlimit: c.Bwlimit, Limits: map[string]int64{}}
	for _, t := range c.TbsLimit {
		name, kbps, ok := strings.Cut(t, ":")
		n, err := strconv.ParseInt(kbps, 10, 64)
		if !ok || name == "" || err != nil || n < 0 {
			return nil, fmt.Errorf("--tablespace-bwlimit %q: want NAME:KBPS, KBPS a number of kilobytes per second", t)
		}
		step.Limits[name] = n
	}
	if step.BackupID == "" {
		step.BackupID = backupID(c.Source, recs)
	}
	if c.SSH != "" {
		ssh, err := sshcmd.Parse(c.SSH)
		if err != nil {
			return nil, err
		}
		step.SSH = ssh
	}
	return step, nil
}

// backupID is the backup_id of the records, else the name of the
// backup's directory (base/<ID>).
func backupID(source string, recs []*stream.BackupFile) string {
	for _, r := range recs {
		if r.BackupID != "" {
			return r.BackupID
		}
	}
	if abs, err := filepath.Abs(source); err == nil {
		source = abs
	}
	return filepath.Base(source)
}

// messages prints the copy's messages on standard error.
type messages struct{ w io.Writer }

func (m messages) Info(format string, args ...any) { fmt.Fprintf(m.w, name+": "+format+"\n", args...) }
func (m messages) Warning(format string, args ...any) {
	fmt.Fprintf(m.w, name+": warning: "+format+"\n", args...)
}
func (m messages) Error(format string, args ...any) {
	fmt.Fprintf(m.w, name+": error: "+format+"\n", args...)
}
