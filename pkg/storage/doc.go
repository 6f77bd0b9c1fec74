// Package storage is the small interface behind which barman keeps its
// archive and backups: named blobs ("wals/0000000100000000/...") saved
// atomically and durably, opened, listed, and removed. Local disk (Local)
// comes first; S3-compatible object storage will implement the same
// interface. Memory is an in-memory implementation for tests, and the
// storagetest package is the conformance suite every backend runs.
//
// Names are slash-separated, relative, and never contain "." or ".."
// elements; ValidName checks them.
package storage
