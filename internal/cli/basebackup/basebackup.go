// Package basebackup is the barman-basebackup stage binary: it copies a
// PostgreSQL base backup of a configured server into a directory and
// writes its manifest as backup_file records, then a backup_summary.
// It does not touch the catalogue: `barman backup` does that around the
// same library. cmd/barman-basebackup/main.go only calls Main. See
// man/barman-basebackup.1.md.
package basebackup

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/internal/cli/clikit"
	bb "github.com/gobarman/barman/pkg/basebackup"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/stream"
	"github.com/gobarman/barman/pkg/walname"
)

const name = "barman-basebackup"

type cli struct {
	Config    string           `short:"c" help:"Barman configuration file." env:"BARMAN_CONFIG_FILE" placeholder:"FILE"`
	Jobs      int              `short:"j" help:"Parallel copy streams (rsync method; default: parallel_jobs)."`
	Fast      bool             `name:"immediate-checkpoint" help:"Ask for an immediate checkpoint."`
	Label     string           `help:"Backup label (default: 'barman-basebackup <server>')."`
	Progress  time.Duration    `default:"5s" placeholder:"INTERVAL" help:"Write a progress record this often (0: never)."`
	Version   kong.VersionFlag `short:"v" help:"Print the version and exit."`
	Server    string           `arg:"" help:"Server name."`
	Directory string           `arg:"" help:"Empty or missing directory that receives the backup (data/ and one directory per tablespace OID)."`
}

// Main runs barman-basebackup with args (without the program name) and
// returns the exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var c cli
	kctx, code := clikit.Parse(name, "Copy a PostgreSQL base backup and write its manifest as backup_file records.", &c, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	return clikit.Run(name, stderr, func(ctx context.Context) error { return c.run(ctx, stdout, stderr) })
}

func (c *cli) run(ctx context.Context, stdout, stderr io.Writer) error {
	cfg, err := clikit.LoadConfig(name, c.Config, stderr)
	if err != nil {
		return err
	}
	s := cfg.Server(c.Server)
	if s == nil {
		return clikit.WithHint(fmt.Errorf("unknown server %q", c.Server), "'barman list-servers' shows the servers of %s", cfg.MainFile)
	}
	if ents, err := os.ReadDir(c.Directory); err == nil && len(ents) > 0 {
		return fmt.Errorf("%s is not empty: give a new directory", c.Directory)
	}
	w := stream.NewWriter(stdout)
	sink := &bb.Sink{Dir: c.Directory, Server: s.Name, Records: w}
	defer sink.Close()
	label := c.Label
	if label == "" {
		label = name + " " + s.Name
	}
	opt := bb.CopyOptions{Conninfo: s.Get("conninfo"), Label: label, Fast: c.Fast || s.Bool("immediate_checkpoint"), Jobs: c.Jobs}
	if opt.Jobs == 0 {
		opt.Jobs = max(1, s.Int("parallel_jobs"))
	}
	if opt.Compression, err = bb.CompressionFromConfig(s.Get, s.Get("backup_method")); err != nil {
		return fmt.Errorf("server %s: %w", s.Name, err)
	}
	opt.Progress = c.Progress > 0 // the server sizes the backup first
	stopProgress := stream.ReportProgress(w, c.Progress, func() stream.Progress {
		files, _ := sink.Totals()
		done, total := sink.Progress()
		return stream.Progress{Server: s.Name, Stage: "basebackup", DoneFiles: files, DoneBytes: done, TotalBytes: total}
	})
	var res *bb.Result
	switch s.Get("backup_method") {
	case "postgres":
		if sc := s.Get("streaming_conninfo"); sc != "" {
			opt.Conninfo = sc
		}
		res, err = bb.StreamCopy(ctx, opt, sink)
	case "local-rsync":
		opt.Remote = &bb.Remote{}
		res, err = bb.CopyBackup(ctx, opt, sink)
	default:
		ssh, perr := sshcmd.Parse(s.Get("ssh_command"))
		if perr != nil {
			return clikit.WithHint(perr, "set ssh_command for server %s, or backup_method = local-rsync or postgres", s.Name)
		}
		opt.Remote = &bb.Remote{SSH: ssh}
		res, err = bb.CopyBackup(ctx, opt, sink)
	}
	stopProgress()
	if err != nil {
		w.Write(&stream.BackupSummary{Server: s.Name, Status: "FAILED", Error: err.Error()})
		return err
	}
	if err := fsutil.SyncTrees(c.Directory); err != nil {
		return err
	}
	return w.Write(summary(s.Name, res, sink))
}

func summary(server string, res *bb.Result, sink *bb.Sink) *stream.BackupSummary {
	files, bytes := sink.Totals()
	begin, _, _ := walname.SegmentOf(res.Start.Timeline, res.Start.LSN, res.Meta.SegmentSize)
	end, _, _ := walname.SegmentOf(res.End.Timeline, res.End.LSN, res.Meta.SegmentSize)
	return &stream.BackupSummary{Server: server, Status: "WAITING_FOR_WALS", Timeline: res.Start.Timeline,
		BeginLSN: res.Start.LSN.String(), EndLSN: res.End.LSN.String(), BeginWAL: begin.String(), EndWAL: end.String(),
		BeginTime: res.Start.Time, EndTime: res.End.Time, Size: bytes, Files: files}
}
