// Package basebackup takes physical base backups of a running PostgreSQL
// server (PostgreSQL 15 and later: non-exclusive backup only).
//
// A backup starts with pg_backup_start on a connection kept open for the
// whole copy, copies PGDATA and every tablespace, copies global/pg_control
// last, and ends with pg_backup_stop on the same connection, whose
// backup_label (and tablespace_map) it writes into the copy. Transports:
// a tar stream over the user's ssh_command (backup_method = rsync), and
// the replication protocol's BASE_BACKUP (backup_method = postgres).
//
// Every file written goes through Sink, which places it under
// base/<ID>/data or base/<ID>/<tablespace oid>, fsyncs it, and emits a
// backup_file record (path, size, mtime, mode, sha256): the manifest.
package basebackup
