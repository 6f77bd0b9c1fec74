package barman

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/recoverjob"
)

// RecoverCmd is `barman recover SERVER BACKUP_ID DESTINATION_DIRECTORY`
// (alias restore).
type RecoverCmd struct {
	TargetTime      string   `name:"target-time" placeholder:"TIMESTAMP" help:"Recover up to this time (with a zone, or the local one)."`
	TargetXID       string   `name:"target-xid" placeholder:"XID" help:"Recover up to the end of this transaction."`
	TargetLSN       string   `name:"target-lsn" placeholder:"LSN" help:"Recover up to this WAL position (X/Y)."`
	TargetName      string   `name:"target-name" placeholder:"NAME" help:"Recover up to this restore point (pg_create_restore_point)."`
	TargetImmediate bool     `name:"target-immediate" help:"Stop as soon as the backup is consistent."`
	Exclusive       bool     `help:"Stop just before the target instead of just after it."`
	TargetTLI       string   `name:"target-tli" placeholder:"TLI" help:"Timeline to follow: a number, current or latest."`
	TargetAction    string   `name:"target-action" enum:",pause,promote,shutdown" default:"" help:"What PostgreSQL does at the target: pause, promote or shutdown."`
	StandbyMode     bool     `name:"standby-mode" help:"Start the recovered server as a standby (standby.signal)."`
	Tablespace      []string `name:"tablespace" placeholder:"NAME:LOCATION" help:"Recover tablespace NAME into LOCATION (repeatable)."`
	RemoteSSH       string   `name:"remote-ssh-command" placeholder:"COMMAND" help:"Recover on another host through this SSH command, e.g. \"ssh postgres@pg2\"."`
	GetWAL          bool     `name:"get-wal" help:"Fetch WAL on demand with barman get-wal in restore_command instead of copying it."`
	NoGetWAL        bool     `name:"no-get-wal" help:"Copy the WAL recovery needs (the default, unless recovery_options has get-wal)."`
	Delta           bool     `name:"delta-restore" help:"Reuse the destination's files that match the backup; remove what the backup does not have."`
	NoDelta         bool     `name:"no-delta-restore" help:"Refuse a non-empty destination (the default)."`
	Jobs            int      `short:"j" name:"jobs" default:"0" help:"Parallel copies (default: parallel_jobs, at least the number of CPUs)."`
	StagingWALDir   string   `name:"staging-wal-directory" placeholder:"DIR" help:"Where the WAL for a point-in-time recovery goes (default DEST/barman_wal)."`
	RecoveryConf    string   `name:"recovery-conf-filename" placeholder:"FILE" help:"File that receives the recovery settings (default postgresql.auto.conf)."`
	RetryTimes      int      `name:"retry-times" help:"Accepted for compatibility."`
	RetrySleep      int      `name:"retry-sleep" help:"Accepted for compatibility."`
	NoRetry         bool     `name:"no-retry" help:"Accepted for compatibility."`
	Bwlimit         int      `name:"bwlimit" placeholder:"KBPS" help:"Limit the copy to KBPS kilobytes per second (default: bandwidth_limit; 0: no limit)."`
	NetCompression  bool     `name:"network-compression" help:"Compress what goes through ssh (default: network_compression)."`
	NoNetCompress   bool     `name:"no-network-compression" help:"Do not compress what goes through ssh."`

	Server string `arg:"" help:"Server name."`
	Backup string `arg:"" name:"backup_id" help:"Backup ID, latest/last, oldest/first, a backup name, or auto (the newest backup ending before --target-time/--target-lsn)."`
	Dest   string `arg:"" name:"destination_directory" help:"Directory to recover into (on the remote host with --remote-ssh-command)."`
}

// Run recovers the backup into the destination: the recovery job does
// the work, this prints its summary.
func (c *RecoverCmd) Run(env *Env) error {
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	s := servers[0]
	opts, err := c.options()
	if err != nil {
		return err
	}
	opts.ArchiveFirst = func(ctx context.Context) error { return archiveWAL(env, s, 30*time.Second) }
	opts.Progress = func(poll func() (int64, int64)) func() { return clikit.ShowProgress(env.Stderr, poll) }
	res, err := recoverjob.New(s, env.Hooks(s), env.Out, env.Log).Run(env.Ctx, opts)
	var te *recoverjob.TargetError
	if errors.As(err, &te) {
		return clikit.WithHint(err, "see 'barman recover --help'")
	}
	if err != nil {
		return err
	}
	for _, line := range res.Summary() {
		env.Out.Info("%s", line)
	}
	env.Out.Result("recovery", res.JSON())
	return nil
}

// options turns the command line into the job's options.
func (c *RecoverCmd) options() (recoverjob.Options, error) {
	o := recoverjob.Options{BackupID: c.Backup, Dest: c.Dest, StandbyMode: c.StandbyMode, RemoteSSH: c.RemoteSSH,
		GetWAL: toggle(c.GetWAL, c.NoGetWAL), Delta: toggle(c.Delta, c.NoDelta),
		NetworkCompression: toggle(c.NetCompression && !c.NoNetCompress, c.NoNetCompress), // --no- wins here
		Jobs:               c.Jobs, Bwlimit: c.Bwlimit, StagingWALDir: c.StagingWALDir, RecoveryConfFile: c.RecoveryConf,
		BarmanPath: selfPath(), Relocate: map[string]string{},
		Target: recoverjob.Target{Time: c.TargetTime, XID: c.TargetXID, LSN: c.TargetLSN, Name: c.TargetName,
			Immediate: c.TargetImmediate, Exclusive: c.Exclusive, TLI: c.TargetTLI, Action: c.TargetAction}}
	for _, t := range c.Tablespace {
		name, loc, err := recoverjob.ParseRelocation(t)
		if err != nil {
			return o, err
		}
		o.Relocate[name] = loc
	}
	return o, nil
}

// toggle is the choice of a --x/--no-x pair: nil when neither is given,
// on when both are.
func toggle(on, off bool) *bool {
	switch {
	case on:
		return &on
	case off:
		no := false
		return &no
	}
	return nil
}

// selfPath is how the recovered server can run this barman: the path it
// was started with (a symlink stays a symlink), else the executable.
func selfPath() string {
	if strings.Contains(os.Args[0], "/") {
		if p, err := filepath.Abs(os.Args[0]); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath(os.Args[0]); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return abs
		}
	}
	if p, err := os.Executable(); err == nil {
		return p
	}
	return "barman"
}
