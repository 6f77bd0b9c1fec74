package catalog

import (
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/walname"
)

// Dirs holds a server's directory options: backup_directory,
// basebackups_directory, wals_directory, incoming_wals_directory,
// streaming_wals_directory, errors_directory and xlogdb_directory (3.13+).
// An empty field takes Barman's default.
type Dirs struct {
	Backup, BaseBackups, WALs, Incoming, Streaming, Errors, XlogDB string
}

// Layout locates the catalogue files of one server.
type Layout struct {
	Home   string // barman_home
	Server string // server name
	dirs   Dirs   // resolved
	stores Stores // nil ones: storage.Local on dirs
}

// NewLayout returns the layout of server under barmanHome with the given
// overrides. Defaults: backup_directory = <home>/<server>, then base,
// wals, incoming, streaming, errors under it; xlogdb_directory = wals.
func NewLayout(barmanHome, server string, o Dirs) *Layout {
	if o.Backup == "" {
		o.Backup = filepath.Join(barmanHome, server)
	}
	def := func(p *string, name string) {
		if *p == "" {
			*p = filepath.Join(o.Backup, name)
		}
	}
	def(&o.BaseBackups, "base")
	def(&o.WALs, "wals")
	def(&o.Incoming, "incoming")
	def(&o.Streaming, "streaming")
	def(&o.Errors, "errors")
	if o.XlogDB == "" {
		o.XlogDB = o.WALs
	}
	return &Layout{Home: barmanHome, Server: server, dirs: o}
}

// Dirs returns the resolved directories.
func (l *Layout) Dirs() Dirs { return l.dirs }

func (l *Layout) BackupDir() string      { return l.dirs.Backup }
func (l *Layout) BaseBackupsDir() string { return l.dirs.BaseBackups }
func (l *Layout) WALsDir() string        { return l.dirs.WALs }
func (l *Layout) IncomingDir() string    { return l.dirs.Incoming }
func (l *Layout) StreamingDir() string   { return l.dirs.Streaming }
func (l *Layout) ErrorsDir() string      { return l.dirs.Errors }

// MetaDir is where Barman 3.13.2+ keeps <ID>-backup.info files.
func (l *Layout) MetaDir() string { return filepath.Join(l.dirs.Backup, "meta") }

// BackupPath returns base/<ID>, the directory of one backup.
func (l *Layout) BackupPath(id string) string { return filepath.Join(l.dirs.BaseBackups, id) }

// BackupInfoPath returns base/<ID>/backup.info, where Barman 3.4 keeps it.
func (l *Layout) BackupInfoPath(id string) string {
	return filepath.Join(l.BackupPath(id), "backup.info")
}

// metaBackupInfoPath returns meta/<ID>-backup.info (Barman 3.13.2+).
func (l *Layout) metaBackupInfoPath(id string) string {
	return filepath.Join(l.MetaDir(), id+"-backup.info")
}

// WALPath returns where the archived WAL file name lives: in its hash
// directory under wals/, or at the top of wals/ for .history files.
func (l *Layout) WALPath(name string) string {
	return filepath.Join(l.dirs.WALs, walname.HashDir(name), name)
}

// XlogDBPath returns the xlog.db to read and write: wals/xlog.db as Barman
// 3.4 names it, unless only <xlogdb_directory>/<server>-xlog.db (Barman
// 3.13+) exists.
func (l *Layout) XlogDBPath() string {
	legacy := filepath.Join(l.dirs.WALs, "xlog.db")
	if _, err := os.Stat(legacy); err == nil {
		return legacy
	}
	named := filepath.Join(l.dirs.XlogDB, l.Server+"-xlog.db")
	if _, err := os.Stat(named); err == nil {
		return named
	}
	return legacy
}

// EnsureDirs creates the server's directories that are missing.
func (l *Layout) EnsureDirs() error {
	d := l.dirs
	for _, dir := range []string{d.Backup, d.BaseBackups, d.WALs, d.Incoming, d.Streaming, d.Errors, d.XlogDB} {
		if err := fsutil.MkdirAllSync(dir, 0o755); err != nil {
			return err
		}
	}
	return nil
}
