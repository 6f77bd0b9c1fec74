// Package pkg is the root of the libraries shared by barman's binaries.
//
// Map of the packages:
//
//   - config:    Barman's INI configuration (files, inheritance, interpolation, validation).
//   - catalog:   the on-disk catalogue under barman_home (backup.info, xlog.db, layout).
//   - fsutil:    durable file writes (temp + fsync + rename + directory fsync).
//   - storage:   the blob storage interface (local disk, memory; S3 later) and its conformance suite.
//   - lock:      flock-based per-server, per-purpose locks that record their holder.
//   - walname:   WAL file names, LSNs and segment arithmetic.
//   - walfile:   checks a WAL file's content against its name (header, size, system identifier).
//   - compress:  WAL compression (gzip, bzip2, zstd, lz4, xz, custom filters), magic detection.
//   - archive:   a server's WAL archive: ingest, commit to xlog.db exactly once, put-wal, get-wal.
//   - walstream: the put-wal stream protocol: many WAL files through one session, each acknowledged once durable.
//   - walpush:   push --async: the spool, archive_command's wait, and the worker that pushes ahead.
//   - basebackup: base backups: tar streams over ssh_command, or BASE_BACKUP over replication.
//   - backupjob: the backup job: checks, lock, backup.info from EMPTY to DONE, hooks, copy with retries, WAL wait.
//   - backups:   catalogue views: ID shortcuts, WAL info, list/show/list-files, delete.
//   - restore:   writes a backup's files to a local or SSH destination, checking manifest checksums.
//   - recovery:  recovery targets, timelines, and the WAL a recovery needs, prepared up to the target.
//   - walscan:   reads PostgreSQL 15 WAL records: commits, aborts, restore points (for recovery targets).
//   - recoveryconf: recovery settings and the disarming of dangerous ones (postgresql.auto.conf, signals).
//   - recoverjob: the recovery job (barman recover): checks, copy (also barman-restore's), WAL, configuration, summary.
//   - hooks:     Barman's hook scripts with the BARMAN_* environment.
//   - stream:    the versioned JSON-lines record contract between stage binaries.
//   - postgres:  what barman reads from a live PostgreSQL server.
//   - sshcmd:    running commands through a user-given ssh_command.
//   - check:     the `barman check` checks.
//
// Not a public API, under internal/:
//
//   - internal/cli/...:   one package per binary; cmd/<tool>/main.go only wires to them.
//   - internal/pgtest:    test harness: a real PostgreSQL 15 and a real sshd in temporary directories.
//   - internal/tmpfstest: test harness: a small tmpfs that fills up (full-disk tests).
package pkg
