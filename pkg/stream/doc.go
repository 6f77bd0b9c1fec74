// Package stream owns the records that barman's stage binaries exchange on
// stdin and stdout (barman-wal-ingest, barman-wal-compress,
// barman-basebackup, barman-restore and the barman front-end). The contract
// is documented for users in barman-stream(5); this comment is the
// programmer's summary.
//
// # Framing
//
// A stream is a sequence of lines. Each line is one compact JSON object (a
// record) ending in "\n". The first two keys are always "type" (the record
// type, e.g. "wal_file") and "v" (the contract version, [Version]). Keys are
// snake_case. Blank lines are ignored by readers.
//
// # Values
//
//   - Times are RFC 3339 strings in UTC ("2026-11-25T13:16:41.157719Z"),
//     with fractional seconds when they are known. Writers convert to UTC;
//     readers accept any offset and convert to UTC.
//   - LSNs are strings "X/Y" in upper-case hex, as PostgreSQL prints them.
//   - Sizes are integers in bytes. Durations and rates are numbers of
//     seconds and bytes per second (keys end in _seconds, _per_second).
//   - Checksums are "algo:hex", e.g. "sha256:9f86d0…", computed over the
//     content as PostgreSQL wrote it (before compression or encryption).
//   - Permission modes are octal strings of the permission bits, four
//     digits, e.g. "0640" or "1777" (see [Mode]).
//   - Free text (messages, hints) is UTF-8.
//
// # File names that are not UTF-8
//
// File names are bytes, and JSON strings are Unicode. A field that carries a
// file name (the fields tagged stream:"bytes": wal_file name/path/dest,
// backup_file path/link, error path/name) is written as usual when its value
// is valid UTF-8. Otherwise the key is omitted and a twin key with the
// suffix "_b64" carries the raw bytes in standard base64 with padding:
//
//	{"type":"error","v":1,"code":"unknown","message":"...","name_b64":"Y2Fm6S53YWw="}
//
// carries the name "caf\xe9.wal" (Latin-1 "café.wal").
//
// Readers that find a "<key>_b64" use it, and it wins over "<key>". In Go the
// field is an ordinary string holding the raw bytes.
//
// # Version and compatibility promise
//
// "v" is the major version of the contract. Within version 1:
//
//   - New keys may appear in any record, and new record types may appear.
//     Readers ignore keys they do not know; [Reader.Read] returns records of
//     types it does not know as [*Unknown], which a pass-through stage may
//     write back unchanged and every other stage skips.
//   - Existing keys keep their name, JSON type and meaning. Keys documented
//     as optional may be absent; readers use the zero value.
//
// An incompatible change would bump "v". A reader of version 1 refuses a
// record with "v" other than 1: it reports a [*LineError] wrapping
// [*VersionError] for that line and goes on, so the stage ends non-zero
// rather than misreading data it cannot understand (a skipped wal_file
// could be a lost WAL). A record without "v" is read as version 1, so that
// hand-made lines stay short; writers always write it.
//
// # Errors and recovery
//
// A line that is not a valid record is reported as a [*LineError] naming the
// input and the line ("<stdin>:17: invalid JSON: ..."); the next call to
// [Reader.Read] continues with the next line. A stage reports the error,
// goes on, and exits non-zero at the end, after its summary record.
//
// # File lists
//
// For raw file lists (what find -print0 writes) the package also reads and
// writes NUL-terminated and newline-terminated lists of names that need not
// be UTF-8: [ReadPathsNUL], [WritePathsNUL], [ScanNUL] and their newline
// twins.
package stream
