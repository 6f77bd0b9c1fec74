// Package storage is the small interface behind which barman keeps its
// repository: named blobs ("0000000100000000/000000010000000000000001",
// "20240101T000000/backup.info") written whole, opened, listed and
// removed. Local disk (Local) comes first; S3-compatible object storage,
// with Barman's bucket layout (PREFIX/SERVER/base/ID/...,
// PREFIX/SERVER/wals/<tli+log>/<segment>[.ext]), implements the same
// interface. Memory is an in-memory implementation for tests, and the
// storagetest package is the conformance suite every backend runs.
//
// The interface is shaped for object storage:
//
//   - Create returns a Writer for a blob of unknown size; nothing is
//     visible before Commit, which returns once the blob is durable, and
//     Abort leaves nothing (S3: a multipart upload, completed or aborted;
//     Local: a hidden temporary file, renamed into place).
//   - CreateOptions.IfNotExists is a conditional create: Commit fails with
//     ErrExist and leaves the stored blob alone, and of concurrent creates
//     exactly one wins (S3: If-None-Match: *; Local: renameat2
//     RENAME_NOREPLACE, or link(2)). An archived WAL file is never
//     overwritten, whatever another process does meanwhile.
//   - List walks a prefix in byte order of the names, optionally with a
//     "/" delimiter (S3's CommonPrefixes: one directory level).
//   - There is no rename: object stores have none.
//
// Local's write path is fsutil.AtomicFile, the project's one durable
// write: temporary file in the target directory, write, chmod, fsync,
// close, rename (or no-replace rename), fsync the directory; the missing
// directories are created first, each fsynced into its parent
// (fsutil.MkdirAllSync). Temporary files are named "." + base + ".tmp-*":
// List, Open and Stat never show them (names with an element starting
// with "." are refused), and Local.Cleanup removes those that a killed
// writer left.
//
// What goes through a Storage today: backup.info files (pkg/catalog's
// Layout.BaseStore and MetaStore) and the archived WAL files of wals/
// (pkg/catalog's Layout.WALStore, named by catalog.WALName): written by barman-wal-compress, checked by
// ingest and commit, read back by get-wal and recover, listed by
// rebuild-xlogdb.
//
// What stays on a direct path, and why:
//
//   - Backup data files, written by pkg/basebackup's Sink: O_DIRECT writes
//     beneath an os.Root, hard links to the previous backup for
//     reuse_backup = link, one syncfs for the whole tree. None of that
//     fits a blob interface, and forcing it through one would cost the
//     backup its speed. The sink takes a directory (catalog.Layout's
//     BackupPath); a Storage that keeps its blobs on local disk can say
//     where through the optional LocalPather capability (Local.LocalPath),
//     and an object storage backend will upload the finished tar or files
//     instead, as barman-cloud-backup does.
//   - xlog.db, barman's local index of the archive: an append-only
//     journal under the xlogdb lock, appended with one fsync per batch
//     (fsutil.AppendSync) and cut back on a failed append. Appending does
//     not exist on object storage, nor is it needed there: barman-cloud
//     keeps no xlog.db and lists the wals/ prefix instead, which List
//     offers. So xlog.db stays a local file next to the WALs it indexes.
//   - incoming/ and streaming/: spool directories that PostgreSQL's
//     archiver (through put-wal) and pg_receivewal write into on the
//     barman host, before a WAL file is checked and archived. put-wal
//     makes a group of received files durable with one directory fsync,
//     which a blob-at-a-time interface would lose; errors/ gets what is
//     moved aside from there by rename.
//   - identity.json, the lock files, and files written outside the
//     repository (get-wal's output, recover's destination).
//
// Names are slash-separated, relative, clean, and no element starts with
// "."; ValidName checks them.
package storage
