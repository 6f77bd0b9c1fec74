// Package walscan reads the records of PostgreSQL 15 WAL segments and
// reports the ones recovery targets are about, so that point-in-time
// recovery can tell, from the archive alone, where a target lies: which
// segments recovery needs up to it, and whether the WAL reaches it at all
// (PostgreSQL 13 and later refuse to start with "recovery ended before
// configured recovery target was reached").
//
// A Scanner is fed whole segments of one timeline in order. It walks every
// record as PostgreSQL's xlogreader does: page headers (magic, page
// address, continuation flags), record headers (length, resource manager,
// prev-link), the CRC-32C of each record and its block references, and
// carries a record that spans pages or segments. It reports:
//
//   - Commit and Abort: transaction commit and abort records, plain or of a
//     prepared transaction (COMMIT PREPARED, ROLLBACK PREPARED), with the
//     transaction id recovery_target_xid matches and the time
//     recovery_target_time compares;
//   - RestorePoint: pg_create_restore_point records, for recovery_target_name;
//   - EndOfRecovery: the record a promoted server writes at the start of its
//     new timeline;
//
// each with the LSN where its record starts and ends. A Scanner also keeps
// the highest transaction id seen in any record header and the last
// complete record, and says where valid WAL ends when a segment holds
// zeros, a recycled tail, a torn or corrupt record (EndOfWAL): PostgreSQL
// stops replaying there, so nothing after it is reachable.
//
// Limits:
//
//   - PostgreSQL 15 only (page magic 0xD110) with 8 kB WAL pages, little
//     endian. The page and record layout is older and has not changed
//     since, but the records walscan decodes have (PostgreSQL 17 lengthened
//     the end-of-recovery record, 18 widened the dropped statistics items
//     that come before a prepared transaction's xid), so other versions are
//     refused rather than guessed at.
//   - It does no I/O: the caller reads (and decompresses) the segments.
//   - Records are checked for what recovery would reject (CRC, prev-link,
//     block header consistency), not replayed: a record with a valid CRC is
//     taken as it reads. One too short for its kind (a commit without its
//     time) ends the valid WAL like a corrupt one; a prepared transaction's
//     xid that cannot be found is reported as the record header's xid.
//   - It does not follow timeline switches: feed the segments of the
//     timeline that recovery would read, a .partial segment included; a
//     segment that does not follow the previous one (other timeline, gap)
//     starts a fresh scan.
//   - Transaction ids are 32-bit, as in the record headers; MaxXID compares
//     them modulo 2^32 as PostgreSQL does, which is only meaningful over
//     less than 2^31 transactions.
package walscan
