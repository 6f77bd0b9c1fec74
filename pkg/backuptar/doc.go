// Package backuptar names, finds and reads the tar archives of a base
// backup taken with backup_compression (postgres method, tar format), laid
// out as Barman and pg_basebackup -Ft lay them out: base/<ID>/data/ holds
// base.tar[.gz|.lz4|.zst] for PGDATA and <oid>.tar[...] for each
// tablespace, next to PostgreSQL's backup_manifest.
//
// The backup's own manifest (manifest.jsonl) still lists every file by
// its place in the cluster ("data/<path>", "<oid>/<path>"); an archive
// holds the files of one of those roots.
package backuptar
