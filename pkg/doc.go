// Package pkg is the root of the libraries shared by barman's binaries.
//
// Map of the packages. Jobs (what a command does, with a context, no
// global state, printing through report.Reporter) take a *server.Server;
// the front-end (internal/cli/barman) and the stage binaries
// (internal/cli/...) only parse, wire and print.
//
// Configuration and the server:
//
//   - config:    Barman's INI configuration (files, inheritance, interpolation, validation).
//   - server:    one configured server, typed and validated once: method, layout, settings, SSH, hooks.
//   - report:    the Reporter interface jobs print their messages through.
//
// Jobs:
//
//   - backupjob: the backup job: checks, lock, backup.info from EMPTY to DONE, hooks, copy with retries, WAL wait.
//   - recoverjob: the recovery job (barman recover): checks, copy (also barman-restore's), WAL, configuration, summary.
//   - archiving: the WAL archiving job (archive-wal, cron): scan | compress | commit, in process or as stages.
//   - removal:   delete, retention policy and the first-backup purge: locks, hooks, crash-safe order.
//   - walcompress: the WAL compression stage (record mode and filters), shared by barman-wal-compress and archiving.
//
// The repository:
//
//   - storage:   the blob storage interface (local disk, memory; S3 next) and its conformance suite.
//   - catalog:   the on-disk catalogue under barman_home (backup.info, xlog.db, layout), through storage.
//   - archive:   a server's WAL archive: ingest, commit to xlog.db exactly once, put-wal, get-wal.
//   - backups:   catalogue views: ID shortcuts, WAL info, list/show/list-files, delete.
//   - retention: judges backups by the retention policy (Barman's rules) and plans what enforcing it removes.
//   - backuptar: the tar archives of a compressed postgres-method backup (names, finding, reading).
//   - fsutil:    durable file writes (AtomicFile: temp + fsync + rename or no-replace + directory fsync).
//   - lock:      flock-based per-server, per-purpose locks that record their holder.
//
// Steps and formats:
//
//   - walname:   WAL file names, LSNs and segment arithmetic.
//   - walfile:   checks a WAL file's content against its name (header, size, system identifier).
//   - compress:  WAL compression (gzip, bzip2, zstd, lz4, xz, custom filters), magic detection.
//   - walstream: the put-wal stream protocol: many WAL files through one session, each acknowledged once durable.
//   - walpush:   push --async: the spool, archive_command's wait, and the worker that pushes ahead.
//   - basebackup: base backups: tar streams over ssh_command, or BASE_BACKUP over replication.
//   - restore:   writes a backup's files to a local or SSH destination, checking manifest checksums.
//   - recovery:  recovery targets, timelines, and the WAL a recovery needs, prepared up to the target.
//   - walscan:   reads PostgreSQL 15 WAL records: commits, aborts, restore points (for recovery targets).
//   - recoveryconf: recovery settings and the disarming of dangerous ones (postgresql.auto.conf, signals).
//   - hooks:     Barman's hook scripts with the BARMAN_* environment.
//   - stream:    the versioned JSON-lines record contract between stage binaries.
//   - postgres:  what barman reads from a live PostgreSQL server.
//   - sshcmd:    SSH as a transport: the user's ssh_command as an OpenSSH process, or a native client.
//   - shell:     quoting words for a POSIX shell.
//   - throttle:  bandwidth limits (bwlimit, per tablespace).
//   - check:     the `barman check` checks.
//   - status:    what show-servers reports of a server (options as Barman shows them, retention, live facts).
//
// Not a public API, under internal/:
//
//   - internal/cli/...:   one package per binary; cmd/<tool>/main.go only wires to them.
//   - internal/pgtest:    test harness: a real PostgreSQL 15 and a real sshd in temporary directories.
//   - internal/tmpfstest: test harness: a small tmpfs that fills up (full-disk tests).
package pkg
