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
// backup.info files are read, written and listed through the layout's
// storages (Stores: BaseStore, MetaStore; pkg/storage), local directories
// by default, so that object storage can take their place; the archived
// WAL files have theirs too (WALStore, named by WALName), which
// pkg/archive and barman-wal-compress go through. Listing the backups
// reads one level of base/ and meta/, never a backup's own files.
//
// xlog.db stays a local file, read and appended directly: it is barman's
// own index of the archive, an append-only journal under the xlogdb lock
// with one fsync per batch (fsutil.AppendSync), cut back when an append
// fails. Object storage has no append, and needs no such index:
// barman-cloud lists the wals/ prefix instead (storage.Storage.List).
// identity.json stays local too.
//
// It also holds the small Python literal codec (PyValue, ParsePy, PyRepr)
// backup.info needs. Locking is not done here: callers hold the server's
// locks around writes.
package catalog
