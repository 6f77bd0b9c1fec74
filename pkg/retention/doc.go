// Package retention judges a server's backups by its retention policy,
// with Barman's rules, and plans what enforcing it removes.
//
//   - Evaluate gives every backup a status: VALID, OBSOLETE, OBSOLETE*
//     (obsolete but kept for minimum_redundancy), KEEP:FULL,
//     KEEP:STANDALONE, or "-" for backups that are not DONE (FAILED,
//     WAITING_FOR_WALS, STARTED backups never count and are never
//     removed), with the reason in words. The current time is a
//     parameter.
//   - REDUNDANCY n keeps the n newest DONE backups (kept backups use a
//     slot); RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS keeps every backup
//     that ended inside the window and the newest one that ended before
//     it, so that every point of the window stays recoverable (Barman
//     issue #274).
//   - Plan walks the OBSOLETE backups oldest first, as `barman cron`
//     removes them, through a backups.Simulation: minimum_redundancy is
//     honoured at each step and each removal takes the WAL files only it
//     needed. The dry run prints the plan; enforcement runs the same
//     steps under the locks, with the hook scripts.
//
// One deviation from Barman: REDUNDANCY 0 never makes the newest DONE
// backup obsolete (Barman would delete every backup).
package retention
