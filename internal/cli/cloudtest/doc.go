// Package cloudtest drives the barman-cloud-* tools as a user does: as
// programs (copies of the test binary, dispatching on their name), against
// a real S3-compatible server (Versity S3 Gateway, started by
// pgtest.StartS3) and a real PostgreSQL 15 whose archive_command and
// restore_command call them. Debian's barman-cli-cloud 3.4 is the peer
// that must read what they write and the other way round.
package cloudtest
