// Package fsutil owns durable writes to local disk. Every file barman
// writes into its catalogue goes through WriteFileAtomic: a temporary file
// in the target directory, written, fsynced, closed, renamed over the
// target, and the directory fsynced, so that a crash leaves either the old
// file or the new one, never a torn mix.
package fsutil
