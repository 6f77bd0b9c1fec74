// Package restore writes the files of a base backup to a recovery
// destination: PGDATA into one directory, each tablespace into its own
// (original or relocated) location, with pg_tblspc/<oid> links and
// tablespace_map pointing there.
//
// It reads the backup's manifest (the backup_file records of
// barman-stream(5), kept as base/<ID>/manifest.jsonl) and checks the
// checksum of every file as it copies it, so that a corrupted backup file
// is named instead of being silently recovered. Backups without a manifest
// (taken by Barman) are walked instead, and copied without that check.
//
// The destination is local (files are written directly, then the whole
// tree is fsynced) or a host reached through an SSH command (tar streams
// to a stock `tar -x` there, one per job, then `sync`).
package restore
