package compress

import (
	"fmt"
	"strconv"
	"strings"
)

// Barman's names for the algorithms, as written in xlog.db's compression
// column and in the compression key of wal_file records.
const (
	None   = "none" // no compression; written as "" in records and "None" in xlog.db
	Gzip   = "gzip"
	Bzip2  = "bzip2"
	Zstd   = "zstd"
	LZ4    = "lz4"
	XZ     = "xz"
	Snappy = "snappy"
	Custom = "custom"
)

// aliases maps every accepted value of Barman's compression option to its
// canonical name. pigz, pygzip and pybzip2 are other Barman compressors
// that write the same formats as gzip and bzip2.
var aliases = map[string]string{
	"": None, None: None,
	Gzip: Gzip, "pigz": Gzip, "pygzip": Gzip,
	Bzip2: Bzip2, "pybzip2": Bzip2,
	Zstd: Zstd, LZ4: LZ4, XZ: XZ, Snappy: Snappy, Custom: Custom,
}

// Accepted lists the values Canonical accepts, for help texts.
const Accepted = "none, gzip, pigz, pygzip, bzip2, pybzip2, zstd, lz4, xz, snappy, custom"

// Canonical returns Barman's name for a value of the compression option:
// "pigz" and "pygzip" are "gzip", "pybzip2" is "bzip2", "" is "none".
// Case is ignored. An unknown name is an error that lists the accepted ones.
func Canonical(name string) (string, error) {
	if c, ok := aliases[strings.ToLower(strings.TrimSpace(name))]; ok {
		return c, nil
	}
	return "", fmt.Errorf("unknown compression %q (accepted: %s)", name, Accepted)
}

// Level is a compression level in the algorithm's own scale (gzip 1..9,
// zstd -22..22, ...). DefaultLevel stands for Barman's default, "medium".
type Level int

// DefaultLevel asks for the algorithm's "medium" level.
const DefaultLevel Level = -1 << 31

// levelRange is an algorithm's scale and its low/medium/high presets, as
// in Barman's compression_level.
type levelRange struct{ min, max, low, medium, high int }

var levels = map[string]levelRange{
	Gzip:  {1, 9, 1, 6, 9},
	Bzip2: {1, 9, 1, 5, 9},
	XZ:    {1, 9, 1, 3, 5},
	Zstd:  {-22, 22, 1, 4, 9},
	LZ4:   {0, 16, 0, 6, 10},
}

// ParseLevel maps Barman's compression_level for algo (any name Canonical
// accepts): "low", "medium" or "high" to the algorithm's preset, an integer
// to itself clamped to the algorithm's range, "" to medium. Algorithms
// without levels (none, snappy, custom) return 0 for any valid text.
func ParseLevel(text, algo string) (Level, error) {
	c, err := Canonical(algo)
	if err != nil {
		return 0, err
	}
	r, ok := levels[c]
	text = strings.ToLower(strings.TrimSpace(text))
	switch text {
	case "low", "medium", "high", "":
		if !ok {
			return 0, nil
		}
		return Level(map[string]int{"low": r.low, "medium": r.medium, "high": r.high, "": r.medium}[text]), nil
	}
	n, err := strconv.Atoi(text)
	if err != nil {
		return 0, fmt.Errorf("invalid compression level %q (accepted: low, medium, high or an integer)", text)
	}
	if !ok {
		return 0, nil
	}
	return Level(r.clamp(n)), nil
}

func (r levelRange) clamp(n int) int {
	return max(r.min, min(r.max, n))
}

// resolve turns level into a level of algo's scale: DefaultLevel becomes
// medium, anything else is clamped.
func resolve(algo string, level Level) int {
	r := levels[algo]
	if level == DefaultLevel {
		return r.medium
	}
	return r.clamp(int(level))
}
