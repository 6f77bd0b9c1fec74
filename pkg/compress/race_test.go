//go:build race

package compress

// raceEnabled: the race detector slows the pure-Go codecs ten times, so
// the tests use less data.
const raceEnabled = true
