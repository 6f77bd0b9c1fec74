// Package removal is the job that takes backups and WAL files out of a
// server's catalogue: `barman delete` (one backup), the retention policy
// (`barman cron`: every OBSOLETE backup) and the purge of the WAL files
// older than a server's first backup. It owns the order that keeps a
// crash harmless (backup out of the catalogue, xlog.db rewritten once,
// files unlinked), the locks (the server's delete lock throughout, the
// xlogdb lock only around xlog.db) and the delete and wal_delete hook
// scripts. Remover is built with New from a typed server; messages go to
// a report.Reporter.
package removal
