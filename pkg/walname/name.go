package walname

import (
	"errors"
	"fmt"
	"strconv"
)

// Kind classifies a file name found in a WAL archive.
type Kind uint8

// The kinds of names. Unknown is anything that is not a WAL file name.
const (
	Unknown     Kind = iota
	Segment          // 000000010000000000000006
	BackupLabel      // 000000010000000000000006.00000028.backup
	Partial          // 000000010000000000000006.partial
	History          // 00000002.history
)

func (k Kind) String() string {
	switch k {
	case Unknown:
		return "unknown"
	case Segment:
		return "segment"
	case BackupLabel:
		return "backup label"
	case Partial:
		return "partial"
	case History:
		return "history"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// ErrNotWAL is wrapped by the error Parse returns for an unknown name.
var ErrNotWAL = errors.New("not a WAL file name")

// Name is a parsed WAL archive file name.
type Name struct {
	Kind     Kind
	Timeline uint32
	Log      uint32 // not used by History
	Seg      uint32 // not used by History
	Offset   uint32 // BackupLabel only: offset of the backup start in Seg
}

// Parse parses a base name (no directory). For anything that is not a WAL
// file name it returns an error wrapping ErrNotWAL.
func Parse(name string) (Name, error) {
	n, ok := parse(name)
	if !ok {
		return Name{}, fmt.Errorf("%q: %w", name, ErrNotWAL)
	}
	return n, nil
}

// Classify returns the kind of a base name; Unknown when Parse would fail.
func Classify(name string) Kind {
	n, _ := parse(name)
	return n.Kind
}

// HashDir returns the directory, relative to the WAL archive, that Barman
// keeps name in: the first 16 characters of a segment name, and "" for
// .history files (kept at the top) and unknown names.
func HashDir(name string) string {
	n, _ := parse(name)
	return n.HashDir()
}

// HashDir returns the hash directory of n; "" for History and Unknown.
func (n Name) HashDir() string {
	switch n.Kind {
	case Segment, BackupLabel, Partial:
		return hex8(n.Timeline) + hex8(n.Log)
	}
	return ""
}

// String returns the file name of n; "" for Unknown.
func (n Name) String() string {
	seg := hex8(n.Timeline) + hex8(n.Log) + hex8(n.Seg)
	switch n.Kind {
	case Segment:
		return seg
	case BackupLabel:
		return seg + "." + hex8(n.Offset) + ".backup"
	case Partial:
		return seg + ".partial"
	case History:
		return hex8(n.Timeline) + ".history"
	}
	return ""
}

// Segment returns the WAL segment a Segment, BackupLabel or Partial name
// refers to.
func (n Name) Segment() Name {
	return Name{Kind: Segment, Timeline: n.Timeline, Log: n.Log, Seg: n.Seg}
}

// SegmentName returns the name of segment (tli, log, seg).
func SegmentName(tli, log, seg uint32) string {
	return Name{Kind: Segment, Timeline: tli, Log: log, Seg: seg}.String()
}

// HistoryName returns the name of the history file of timeline tli.
func HistoryName(tli uint32) string {
	return Name{Kind: History, Timeline: tli}.String()
}
