// Package catalog owns Barman's on-disk catalogue under barman_home, read
// and written byte for byte as Barman 3.4 does:
//
//   - backup.info (BackupInfo): sorted key=value lines, unset values written
//     None, Python literals (repr) for tablespaces, backup_label, copy_stats
//     and included_files. Every key read is kept, known or not, so a file
//     read then written is unchanged.
//   - xlog.db (WALEntry): one line per archived WAL file,
//     "name\tsize\ttime\tcompression".
//   - identity.json (Identity): the system identifier and major version.
//   - the directory layout of a server (Layout): base/<ID>/, wals/ with its
//     hash directories, incoming/, streaming/, errors/, with the later
//     locations (meta/<ID>-backup.info, <server>-xlog.db) accepted on read.
//
// It also holds the small Python literal codec (PyValue, ParsePy, PyRepr)
// backup.info needs. Locking is not done here: callers hold the server's
// locks around writes.
package catalog
