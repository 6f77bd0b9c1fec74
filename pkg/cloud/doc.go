// Package cloud is the engine of the barman-cloud-* tools: Barman's
// bucket layout, the location URL, the compression suffixes, and opening
// the store a tool works on. The tools' jobs (WAL archive and restore,
// backup and restore, the backup catalogue) live in this package's files
// and take a storage.Storage, so that they run on any backend.
//
// # Layout
//
// As Barman's barman-cloud tools write it, under s3://BUCKET/PREFIX:
//
//	SERVER/wals/<tli+log>/<segment>[.gz|.bz2|.snappy|.zst|.lz4]
//	SERVER/wals/<tli+log>/<segment>.<offset>.backup[.ext]
//	SERVER/wals/<timeline>.history[.ext]        (history files: no hash dir)
//	SERVER/base/<ID>/backup.info                 (written last: the backup exists)
//	SERVER/base/<ID>/data.tar[.gz|.bz2|.snappy|.zst|.lz4]
//	SERVER/base/<ID>/data_0001.tar[...]          (further archives of PGDATA)
//	SERVER/base/<ID>/<tablespace oid>.tar[...]   (and <oid>_0001.tar...)
//	SERVER/base/<ID>/annotations/keep            (barman-cloud-backup-keep)
//
// Barman 3.4 reads .gz, .bz2 and .snappy; .zst and .lz4 are the suffixes
// of later Barman versions' --zstd and --lz4.
package cloud
