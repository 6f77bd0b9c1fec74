// Package walcompress is the WAL compression stage of archiving, as a
// library: Records compresses the files named by a stream of wal_file
// records into their place in the archive (never replacing an archived
// file, making each durable before its record goes on), and Compress and
// Decompress are the plain filters. barman-wal-compress is a thin command
// line over it, and `barman archive-wal` runs the same Records between
// the scan and commit stages of pkg/archiving.
package walcompress
