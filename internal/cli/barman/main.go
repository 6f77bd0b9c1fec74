package barman

import (
	"context"
	"io"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/internal/cli/clikit"
)

const name = "barman"

// Globals are Barman's options that come before the command.
type Globals struct {
	Config   string           `short:"c" help:"Configuration file (default: ~/.barman.conf, /etc/barman.conf, /etc/barman/barman.conf)." env:"BARMAN_CONFIG_FILE" placeholder:"FILE"`
	Quiet    bool             `short:"q" help:"Be quiet: print only errors and the results."`
	Debug    bool             `short:"d" help:"Print debug messages on standard error."`
	Format   string           `short:"f" enum:"console,json" default:"console" help:"Output format: console or json."`
	LogLevel string           `name:"log-level" enum:",DEBUG,INFO,WARNING,ERROR,CRITICAL" default:"" help:"Override log_level."`
	Color    string           `name:"color" aliases:"colour" enum:"never,always,auto" default:"auto" help:"Use colours (accepted for compatibility; output is plain)."`
	Version  kong.VersionFlag `short:"v" help:"Print the version and exit."`
}

// CLI is barman's grammar.
type CLI struct {
	Globals

	ListServers ListServersCmd `cmd:"" name:"list-servers" aliases:"list-server" help:"List the configured servers."`
	ShowServers ShowServersCmd `cmd:"" name:"show-servers" aliases:"show-server" help:"Show the configuration and live status of servers."`
	Check       CheckCmd       `cmd:"" help:"Check that servers are correctly set up for backup and archiving."`

	ReplicationStatus ReplicationStatusCmd `cmd:"" name:"replication-status" help:"Show the streaming clients (standbys, WAL streamers) of servers."`

	ListBackups ListBackupsCmd `cmd:"" name:"list-backups" aliases:"list-backup" help:"List the backups of servers, newest first."`
	ShowBackup  ShowBackupCmd  `cmd:"" name:"show-backup" aliases:"show-backups" help:"Show the details of a backup."`
	ListFiles   ListFilesCmd   `cmd:"" name:"list-files" help:"List the files of a backup."`
	Delete      DeleteCmd      `cmd:"" help:"Delete a backup, and the WAL files only it needed."`
	Keep        KeepCmd        `cmd:"" help:"Keep a backup whatever the retention policy (--target full|standalone), show (--status) or remove (--release) its keep annotation."`

	Backup        BackupCmd        `cmd:"" help:"Take a base backup of servers."`
	CheckBackup   CheckBackupCmd   `cmd:"" name:"check-backup" help:"Check that every WAL file a backup needs is archived."`
	VerifyBackup  VerifyBackupCmd  `cmd:"" name:"verify-backup" aliases:"verify" help:"Re-check a backup's files against its manifest."`
	Recover       RecoverCmd       `cmd:"" aliases:"restore" help:"Recover a backup into a directory, locally or on another host, to a point in time."`
	Cron          CronCmd          `cmd:"" help:"Maintenance: archive the WAL of every server and enforce the retention policies (run it every minute from cron)."`
	ReceiveWAL    ReceiveWALCmd    `cmd:"" name:"receive-wal" help:"Stream WAL from PostgreSQL into the streaming directory, through a replication slot (run by cron when streaming_archiver = on)."`
	ArchiveWAL    ArchiveWALCmd    `cmd:"" name:"archive-wal" help:"Move the WAL files of incoming/ and streaming/ into the archive."`
	PutWAL        PutWALCmd        `cmd:"" name:"put-wal" help:"Receive a WAL file (tar stream with checksum) on standard input."`
	GetWAL        GetWALCmd        `cmd:"" name:"get-wal" help:"Write an archived WAL file to standard output or a directory."`
	SwitchWAL     SwitchWALCmd     `cmd:"" name:"switch-wal" aliases:"switch-xlog" help:"Close the current WAL segment of servers."`
	RebuildXlogDB RebuildXlogDBCmd `cmd:"" name:"rebuild-xlogdb" help:"Rebuild xlog.db from the files in the WAL archive."`
}

// Main runs barman with args (without the program name) and returns the
// exit status.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var cli CLI
	kctx, code := clikit.Parse(name, "Backup and recovery manager for PostgreSQL.", &cli, args, stdout, stderr)
	if kctx == nil {
		return code
	}
	return clikit.Run(name, stderr, func(ctx context.Context) error {
		env, err := newEnv(ctx, &cli.Globals, stdin, stdout, stderr)
		if err != nil {
			return err
		}
		err = kctx.Run(env)
		env.Out.Close()
		if err == nil && env.Out.Failed() {
			return &clikit.ExitError{Code: clikit.ExitFailure}
		}
		return err
	})
}
