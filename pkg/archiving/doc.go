// Package archiving is the WAL archiving job of one server, the work of
// `barman archive-wal` (and of `barman cron`): the files that arrived in
// incoming/ and streaming/ are checked and given their place (Scan), are
// compressed into it (pkg/walcompress), and are catalogued in xlog.db
// (Commit), with the archive hook scripts around each file. The three
// steps talk in wal_file records (pkg/stream), so barman-wal-ingest and
// barman-wal-compress run each step on its own in a shell pipeline, and
// Run composes the same three in process with pipes.
package archiving
