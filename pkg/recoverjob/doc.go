// Package recoverjob is the recovery job: what `barman recover` does,
// as a library with a context and no global state.
//
// It owns every step of a recovery: choosing the backup (an ID, a name,
// or "auto" for a target), refusing a backup that cannot be recovered or
// cannot reach the target, the recover lock, the destination checks
// (local or through an SSH command), the pre and post recovery hook
// scripts, the copy of the backup's files with its tablespaces relocated
// (CopyStep, which the stage binary barman-restore runs too), the
// preparation of the WAL the target needs (package recovery: the
// archive, then what the streaming directory holds, up to the partial
// segment being received, which makes the recovery an archive recovery
// so that the server switches to a new timeline at its end), the
// recovery configuration with the dangerous settings disarmed (package
// recoveryconf), and the data of the summary (Result), which the caller
// prints.
//
// Messages go through a report.Reporter as they happen; the caller
// decides how to show them.
package recoverjob
