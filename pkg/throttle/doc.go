// Package throttle limits the rate of byte streams: bandwidth_limit, for
// the files a backup copies through ssh and those a remote recovery
// sends. One Throttle is shared by all the streams of a copy, so the
// limit holds for their sum, whatever the number of parallel jobs.
package throttle
