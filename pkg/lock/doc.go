// Package lock owns barman's inter-process locks: one flock(2) file per
// server and purpose (".<server>-<purpose>.lock" in barman_lock_directory,
// Barman's names), holding the holder's pid and purpose. Lock files are
// never deleted, so two processes can never lock two different inodes of
// the same name. A process that finds a lock held retries until its
// timeout, then fails with "locked by pid N (purpose)".
package lock
