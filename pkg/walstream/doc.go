// Package walstream is the put-wal stream protocol: many WAL files sent
// one after the other through one `barman put-wal --stream` session (one
// ssh connection), each acknowledged once it is durable on the backup
// server. It is what `barman-wal-ingest push --async` speaks; Barman's
// one-shot put-wal tar protocol stays in package archive.
//
// Version 1, all lines end with "\n":
//
//	server: barman-put-wal-stream 1          greeting, before anything else
//	client: file NAME SIZE ALGO              ALGO: none, gzip, lz4, zstd or s2
//	client: HEXLEN "\n" BYTES ... "0\n"      the file (compressed with ALGO) in chunks
//	client: crc32c HEX                       CRC-32C (Castagnoli) of the uncompressed file, 8 hex digits
//	...                                      more files
//	client: end                              (or end of input)
//	server: ok NAME                          per file, in order, once it is durable
//	server: error NAME MESSAGE               instead, then the server stops
//
// The client may send the next file before the previous one is
// acknowledged; the server acknowledges in order. See "THE PUT-WAL STREAM
// PROTOCOL" in man/barman-wal-ingest.1.md.
package walstream
