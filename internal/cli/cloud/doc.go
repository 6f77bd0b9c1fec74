// Package cloud is the front-end of the barman-cloud-* tools: one binary
// (cmd/barman-cloud) that runs the tool named by the name it is called by
// (barman-cloud-wal-archive, ...; make build links each name to it) or by
// its first argument (barman-cloud wal-archive ...). Each tool parses
// Barman's options, opens the store and calls the engine in pkg/cloud.
//
// Exit codes are Barman's: 0 success, 1 the operation failed although the
// store was reachable (e.g. barman-cloud-wal-restore: the WAL file is not
// in the archive), 2 the store could not be reached, 3 a command-line
// error, 4 any other error.
package cloud
