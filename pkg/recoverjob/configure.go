package recoverjob

import (
	"context"
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/shell"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/recoveryconf"
	"github.com/gobarman/barman/pkg/restore"
)

// confOptions are the settings recovery writes, from the target and the
// WAL preparation.
func (r *run) confOptions() recoveryconf.Options {
	version, _ := r.b.Version()
	t := r.target
	o := recoveryconf.Options{PGVersion: version, RestoreCommand: r.restoreC, TargetTLI: t.TLI,
		Exclusive: t.Exclusive, StandbyMode: r.o.StandbyMode, ConfFilename: r.o.RecoveryConfFile,
		Stamp: time.Now().Format("2006-01-02 15:04:05-07:00")}
	switch t.Kind() {
	case "time":
		o.TargetTime = recovery.FormatTime(t.Time)
	case "xid":
		o.TargetXID = fmt.Sprint(t.XID)
	case "lsn":
		o.TargetLSN = t.LSN.String()
	case "name":
		o.TargetName = t.Name
	case "immediate":
		o.TargetImmediate = true
	}
	if t.Kind() != "" {
		o.TargetAction = t.Action
	}
	if r.set.getWAL {
		o.Header = fmt.Sprintf("# The 'barman get-wal' command must run as '%s' user", r.s.Config.Global.Get("barman_user"))
	} else if r.restoreC != "" && !r.o.StandbyMode {
		o.RecoveryEndCommand = "rm -fr " + shell.Quote(r.walDir)
	}
	return o
}

// configure writes the recovery settings and disarms the dangerous ones.
func (r *run) configure(ctx context.Context) error {
	o := r.confOptions()
	files, err := r.backupConfFiles(o)
	if err != nil {
		return err
	}
	if o.RestoreCommand != "" || r.target.IsPITR() || o.StandbyMode {
		r.out.Info("Generating recovery configuration")
	}
	plan, err := recoveryconf.Prepare(o, files)
	if err != nil {
		return err
	}
	r.out.Info("Identify dangerous settings in destination directory.")
	if err := r.applyConf(ctx, plan); err != nil {
		return err
	}
	var report strings.Builder
	plan.WriteReport(&report)
	for _, line := range strings.Split(strings.TrimRight(report.String(), "\n"), "\n") {
		if line != "" || report.Len() > 0 {
			r.out.Info("%s", line)
		}
	}
	r.missingConfigFiles()
	if r.set.getWAL {
		r.out.Warning("'get-wal' is in the specified 'recovery_options'. Before you start up the PostgreSQL server, please review the %s file inside the target directory. Make sure that 'restore_command' can be executed by the PostgreSQL user.", confName(o))
	}
	return nil
}

// backupConfFiles reads the configuration files recovery edits, as the
// backup has them.
func (r *run) backupConfFiles(o recoveryconf.Options) (map[string][]byte, error) {
	dataDir := filepath.Join(r.cat.Layout.BackupPath(r.b.ID), "data")
	files := map[string][]byte{}
	names := []string{recoveryconf.PostgresqlConf, recoveryconf.AutoConf, recoveryconf.RecoveryConf,
		recoveryconf.RecoverySignal, recoveryconf.StandbySignal}
	if o.ConfFilename != "" {
		names = append(names, o.ConfFilename)
	}
	for _, name := range names {
		if b, err := os.ReadFile(filepath.Join(dataDir, name)); err == nil {
			files[name] = b
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return files, nil
}

func confName(o recoveryconf.Options) string {
	if o.PGVersion > 0 && o.PGVersion < 120000 {
		return recoveryconf.RecoveryConf
	}
	if o.ConfFilename != "" {
		return o.ConfFilename
	}
	return recoveryconf.AutoConf
}

func sortedNames(m map[string][]byte) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// applyConf writes the plan's files into the destination.
func (r *run) applyConf(ctx context.Context, plan recoveryconf.Plan) error {
	if r.ssh == nil {
		return applyLocal(r.dest, plan)
	}
	sink := recovery.NewRemoteSink(ctx, r.ssh, r.dest, false)
	now := time.Now()
	for _, n := range sortedNames(plan.Origin) {
		if err := sink.Put(n+".origin", plan.Origin[n], now); err != nil {
			return err
		}
	}
	for _, n := range sortedNames(plan.Write) {
		if err := sink.Put(n, plan.Write[n], now); err != nil {
			return err
		}
	}
	if err := sink.Close(); err != nil {
		return err
	}
	if len(plan.Remove) == 0 {
		return nil
	}
	var script strings.Builder
	script.WriteString("rm -f")
	for _, n := range plan.Remove {
		script.WriteString(" " + shell.Quote(path.Join(r.dest, n)))
	}
	_, err := restore.RunScript(ctx, r.ssh, script.String())
	return err
}

// applyLocal writes the plan's files into the local directory dest.
func applyLocal(dest string, plan recoveryconf.Plan) error {
	for _, n := range sortedNames(plan.Origin) {
		if err := fsutil.WriteFileAtomic(filepath.Join(dest, n+".origin"), plan.Origin[n], 0o600); err != nil {
			return err
		}
	}
	for _, n := range sortedNames(plan.Write) {
		if err := fsutil.WriteFileAtomic(filepath.Join(dest, n), plan.Write[n], 0o600); err != nil {
			return err
		}
	}
	for _, n := range plan.Remove {
		if err := os.Remove(filepath.Join(dest, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// missingConfigFiles warns about the configuration files that live
// outside PGDATA on the backed-up server: a backup does not have them.
func (r *run) missingConfigFiles() {
	pgdata := r.b.PGData()
	var missing []string
	for _, f := range []string{r.b.ConfigFile(), r.b.HBAFile(), r.b.IdentFile()} {
		if f == "" || pgdata == "" {
			continue
		}
		if rel, err := filepath.Rel(pgdata, f); err != nil || strings.HasPrefix(rel, "..") {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		r.out.Warning("these configuration files are outside the data directory of the backed-up server, so the backup does not have them: %s. Copy them into %s (or point the server at them) before starting it", strings.Join(missing, ", "), r.dest)
	}
}
