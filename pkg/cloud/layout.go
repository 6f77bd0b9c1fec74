package cloud

import (
	"fmt"
	"path"
	"strings"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/walname"
)

// Layout names the objects of one server in a bucket, relative to the
// location's prefix.
type Layout struct {
	Server string
}

// CheckServerName refuses a server name that cannot be one path element.
func CheckServerName(server string) error {
	if server == "" || server == "." || server == ".." || strings.ContainsAny(server, "/\x00") || strings.HasPrefix(server, ".") {
		return fmt.Errorf("server name %q: want a name without \"/\" that does not start with \".\"", server)
	}
	return nil
}

// WALPrefix is the prefix of every archived WAL file: SERVER/wals/.
func (l Layout) WALPrefix() string { return l.Server + "/wals/" }

// WALDir is the directory of a WAL file: SERVER/wals/<tli+log>/, or
// SERVER/wals/ for a history file.
func (l Layout) WALDir(name string) string {
	if h := walname.HashDir(name); h != "" {
		return l.WALPrefix() + h + "/"
	}
	return l.WALPrefix()
}

// WALKey is the name of an archived WAL file with the suffix of algo.
func (l Layout) WALKey(name, algo string) string { return l.WALDir(name) + name + Ext(algo) }

// BasePrefix is the prefix of the backups: SERVER/base/.
func (l Layout) BasePrefix() string { return l.Server + "/base/" }

// BackupDir is the prefix of a backup's objects: SERVER/base/ID/.
func (l Layout) BackupDir(id string) string { return l.BasePrefix() + id + "/" }

// BackupInfo is the name of a backup's backup.info.
func (l Layout) BackupInfo(id string) string { return l.BackupDir(id) + "backup.info" }

// KeepAnnotation is the object that holds a backup's keep target.
func (l Layout) KeepAnnotation(id string) string { return l.BackupDir(id) + "annotations/keep" }

// ArchiveName is the name of the count-th archive of a root ("data" or a
// tablespace oid) of backup id: data.tar.gz, data_0001.tar.gz, ...
func (l Layout) ArchiveName(id, root string, count int, algo string) string {
	base := root
	if count > 0 {
		base = fmt.Sprintf("%s_%04d", root, count)
	}
	return l.BackupDir(id) + base + ".tar" + Ext(algo)
}

// exts maps Barman's cloud compression names to their suffixes.
var exts = map[string]string{
	compress.Gzip:   ".gz",
	compress.Bzip2:  ".bz2",
	compress.Snappy: ".snappy",
	compress.Zstd:   ".zst",
	compress.LZ4:    ".lz4",
	compress.None:   "",
}

// Ext is the suffix of algo ("" for none).
func Ext(algo string) string { return exts[algo] }

// SplitExt splits a compression suffix off name: ("X", "gzip") for
// "X.gz"; (name, none) when name has no known suffix.
func SplitExt(name string) (string, string) {
	ext := path.Ext(name)
	if ext != "" {
		for algo, e := range exts {
			if e == ext {
				return strings.TrimSuffix(name, ext), algo
			}
		}
	}
	return name, compress.None
}

// Algorithms are the compressions the cloud tools write.
var Algorithms = []string{compress.Gzip, compress.Bzip2, compress.Snappy, compress.Zstd, compress.LZ4}
