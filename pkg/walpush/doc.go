// Package walpush is the asynchronous push of `barman-wal-ingest push
// --async`: PostgreSQL runs archive_command once per segment, one after
// the other, and a push per call pays an ssh handshake and barman's
// start-up each time. Here archive_command (Wait) only waits for its
// segment's status file in a spool directory; a detached worker (Worker),
// started by the first call that finds none running, keeps one ssh
// session to `barman put-wal --stream` open, sends every segment that
// PostgreSQL has marked ready (pg_wal/archive_status/*.ready) ahead of
// the calls, and writes NAME.ok once the backup server acknowledged the
// segment as durable (or NAME.error with the reason). archive_command
// exits 0 only for a .ok that matches its file, so PostgreSQL never
// recycles a segment the backup server does not hold.
//
// The spool directory of one server holds:
//
//	NAME.ok      pushed; "SIZE MTIME_NANOSECONDS" of the file when it was read
//	NAME.error   the push failed: the message (archive_command reports and removes it)
//	NAME.req     a call waits for NAME (its path): pushed first, even without a .ready
//	worker.lock  held (flock) by the running worker
//	worker.log   what the workers said
package walpush
