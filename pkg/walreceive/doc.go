// Package walreceive receives WAL from PostgreSQL over the physical
// replication protocol, into a directory laid out as pg_receivewal lays
// out its own: Barman's streaming_wals_directory.
//
// The segment being received is NAME.partial, created at the full segment
// size (so that a crash never leaves a short file); once its last byte is
// written it is made durable and renamed to NAME. History files of new
// timelines are written next to the segments when the server switches
// timeline. On start the receiver resumes from the newest file of the
// directory (the beginning of a .partial, or the segment after a complete
// one), else from the replication slot's restart_lsn, else from the
// server's current position.
//
// In synchronous mode every batch of received WAL is flushed to disk
// before its end is reported to PostgreSQL as flushed, so a commit that
// waited for barman as a synchronous standby is on barman's disk. In
// asynchronous mode the flush position advances when a segment is
// complete, as pg_receivewal's does.
//
// Run keeps receiving across connection losses, server restarts and
// timeline switches; errors it cannot get past by reconnecting (a slot
// that does not exist, files of another cluster, a position the server
// does not have) end it with a *FatalError.
package walreceive
