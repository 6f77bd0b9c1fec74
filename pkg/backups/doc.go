// Package backups is the read side of a server's backup catalogue, and
// the removal of a backup, with Barman 3.4's rules:
//
//   - Catalogue: the backups of one server sorted by ID, the previous and
//     next backup of a backup (DONE or WAITING_FOR_WALS only), and Resolve,
//     which turns a command-line reference into a backup: an ID, the
//     shortcuts latest/last, oldest/first and last-failed, or a backup name.
//   - WALInfo and WALsUntilNext: the WAL files that belong to a backup, read
//     from xlog.db in file order exactly as Barman's get_wal_info and
//     get_wal_until_next_backup do, and the figures list-backups and
//     show-backup print from them.
//   - Files: the paths list-files prints for each target.
//   - PrettySize, Duration, Ctime, PyTime and Percent: sizes, durations and
//     times in Barman's words.
//   - Deleting: Deletable (keep annotation, minimum_redundancy), the WAL
//     removal plan (PlanWALRemoval), the WALIndex and Simulation that
//     successive removals take files from, RemoveWAL and MoveToTrash/EmptyTrash.
//
// It names the per-backup locks (BackupLockFile, RecoverLockFile); taking
// them, and running hook scripts, is the caller's.
package backups
