// Package recovery plans and prepares what a recovery needs beyond the
// base backup's files: the recovery target, the timeline to follow, and
// the archived WAL segments from the backup's begin_wal to the target,
// decompressed, checked for gaps, and no more than needed.
//
// Barman copies every archived segment from begin_wal to the end of the
// archive for time, xid and name targets, because it does not read WAL.
// This package reads the WAL records as it decompresses them (see
// pkg/walscan) and stops at the segment where the target is reached, so a
// target that the archive never reaches (an xid never committed, a
// restore point never created) is an error before PostgreSQL is even
// started, and a target time after the last commit is recovered to the
// end of the archive with a warning (PostgreSQL 13+ would refuse to
// start: "recovery ended before configured recovery target was reached").
//
// With WAL streaming, the streaming directory extends the archive: its
// completed segments not archived yet come after the archived ones, and
// the segment being received (NAME.partial, full-size, zeros after the
// last byte received) comes last, delivered as NAME, when it continues
// the WAL on the timeline recovered. PostgreSQL reads its zeros as the end
// of the WAL, so a recovery to the end gets every commit the streamer
// received, which with synchronous streaming is every acknowledged one
// (Barman gets the same through 'get-wal --partial').
package recovery
