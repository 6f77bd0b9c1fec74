// Package replstatus reads what `barman replication-status` shows: the
// streaming clients of a PostgreSQL server (pg_stat_replication, with the
// physical replication slot each one uses), as Barman 3.4 queries them,
// and renders them as Barman's console and JSON output, full or minimal.
//
// A client is a hot standby when it reports a replay position, a WAL
// streamer (pg_receivewal, barman receive-wal) when it does not. Its
// "sync stage" is how far it is behind the server's current position:
// 1-safe, WAL sent, remote write, remote flush (2-safe) and replayed.
package replstatus
