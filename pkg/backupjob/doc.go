// Package backupjob is the backup job: one base backup of one server,
// from the checks before it to the backup.info that says it is DONE.
//
// It owns the backup's lifecycle and nothing else prints or decides it:
// the preflight verdict on `barman check`'s results, the server's backup
// lock, the backups a dead process left STARTED (marked FAILED), the new
// base/<ID> with its backup.info (EMPTY, STARTED, WAITING_FOR_WALS, DONE
// or FAILED), the pre/post backup hooks and their retry scripts, the copy
// with either method (tar streams over ssh_command or on this host, or
// BASE_BACKUP; through pkg/basebackup) with its throttling, per-tablespace
// limits, keepalive, reuse_backup and retries, the manifest
// (manifest.jsonl: backup_file records), the sizes and copy statistics,
// and the wait for the WAL files that make the backup consistent.
//
// A Job takes a typed *server.Server, Options (the command-line
// overrides of the server's settings), a report.Reporter for the lines
// Barman prints, and the few things that belong to other jobs (the checks,
// WAL archiving, the removal of the WAL before the first backup) as
// functions. It keeps no global state: every step takes a context.
//
// Two programs compose the same steps: `barman backup` runs Job.Run
// (preflight, lock, begin, pre hook, copy, post hook, WAL wait), and the
// barman-basebackup stage runs Job.RunCopy (lock, begin, copy) or, into a
// plain directory outside the catalogue, Job.CopyInto.
package backupjob
