// Package archive owns a server's WAL archive: finding the files that
// arrive in incoming/ and streaming/, checking each (pkg/walfile), keeping
// aside in errors/ what does not belong, cataloguing placed files in
// xlog.db exactly once under the xlogdb lock, and reading WAL back.
//
// The archiving pipeline has three steps, which the stage binaries run
// and which may be typed by hand as a pipeline:
//
//	ingest  (Inspect): one wal_file record per good file, with the planned dest
//	compress (barman-wal-compress --records): writes each file durably to dest
//	commit  (Committer): appends xlog.db, then removes the source
//
// Every step is idempotent, so that a run killed at any point is repaired
// by the next: a file placed but not catalogued is catalogued once by the
// next commit, and a source is removed only after its line in xlog.db is
// on disk.
//
// The archived files of wals/ are blobs of the layout's WAL store
// (catalog.Layout.WALStore, pkg/storage): ingest compares a name already
// archived there, commit stats what was placed there, Open, OpenStored
// and Reader (get-wal, recover, show-backup) read there, and Rebuild
// lists it. The spool directories incoming/ and streaming/ and errors/
// are local directories of the barman host, and xlog.db a local file
// (see pkg/storage's and pkg/catalog's doc for why).
//
// Reading back (Open, Reader) decompresses each archived file with the
// compression xlog.db records for it, and custom with the server's
// custom_decompression_filter (see Codec): never by guessing from magic
// bytes what a custom filter's output may or may not start with. Only a
// file xlog.db does not list is recognised from its first bytes, as Barman
// recognises it.
package archive
