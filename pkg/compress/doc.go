// Package compress owns WAL compression: the algorithms of Barman's
// compression option, their levels, and recognising a compressed file by
// its first bytes.
//
// # Algorithms
//
// Every format is the one the system tools read and write, so that a WAL
// archived here can be restored with gzip -d, zstd -d, ... and the other
// way round:
//
//   - gzip (klauspost/compress/gzip; "pigz" and "pygzip" are aliases,
//     Barman's other compressors of the same format),
//   - bzip2 (dsnet/compress/bzip2; alias "pybzip2"),
//   - zstd (klauspost/compress/zstd, with a content checksum like the CLI),
//   - lz4 (pierrec/lz4/v4, the LZ4 frame format of the lz4 CLI),
//   - xz (ulikunitz/xz),
//   - snappy: the snappy framing format (stream identifier "sNaPpY"), which
//     is what python-snappy's stream_compress writes and Barman's snappy
//     compressor uses; written by klauspost/compress/s2 in its
//     snappy-compatible mode. There is no end marker in this format: a
//     stream cut exactly between two chunks reads as a shorter stream.
//   - custom: Barman's custom_compression_filter and
//     custom_decompression_filter, shell commands run as "sh -c FILTER"
//     with the data on stdin and stdout (see WithCustom). The filter runs
//     in its own process group; its stderr is copied line by line behind a
//     prefix; a non-zero exit status is an error, also at the end of a
//     stream that otherwise looked complete; a reader closed before the end
//     kills the group.
//
// Canonical turns any accepted name into Barman's (gzip, bzip2, zstd, lz4,
// xz, snappy, custom, or none): the names written to xlog.db and to the
// compression key of wal_file records.
//
// # Levels
//
// ParseLevel maps Barman's compression_level (low, medium, high or an
// integer, clamped) to each algorithm's scale: gzip 1..9 (1/6/9), bzip2
// 1..9 (1/5/9), xz 1..9 (1/3/5), zstd -22..22 (1/4/9; klauspost groups
// them into four speeds), lz4 0..16 (0/6/10; 0..2 is the fast compressor,
// 3 and up high compression, capped at 9). xz levels are accepted but
// change nothing: ulikunitz/xz has no presets, and its best settings on WAL
// are the 1 MiB dictionary of xz -1 with a hash-table matcher (larger
// dictionaries were slower, bigger and hungrier; see newXZWriter).
//
// # Performance and memory
//
// Encoders and decoders are kept per algorithm and level and reset
// between streams, so compressing many 16 MiB segments allocates little;
// never more are kept than were in use at once, and none after a minute
// unused (see freeList). Each stream uses one goroutine (zstd, lz4 and s2
// concurrency 1): the caller gets parallelism by compressing several files
// at once, and memory stays bounded by one encoder per worker (at most
// 19 MiB, bzip2 -9). Writers implement io.ReaderFrom and readers
// io.WriterTo, so io.Copy goes through the codecs' block buffers without
// an extra copy where the library allows it. zstd uses a 2 MiB window up to
// level 5 and 4 MiB up to 9 (see newZstdEncoder), lz4 1 MiB blocks.
package compress
