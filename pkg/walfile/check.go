package walfile

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/gobarman/barman/pkg/walname"
)

// Problem codes: the reason barman puts in an errors/ file name.
const (
	CodeUnknown        = "unknown"         // not a WAL file name
	CodeTruncated      = "truncated"       // shorter (or longer) than a segment
	CodeZero           = "zero"            // starts with zeros: never written
	CodeNotWAL         = "not_wal"         // no WAL page header
	CodeMisplaced      = "misplaced"       // header of another segment
	CodeForeignCluster = "foreign_cluster" // another cluster's system identifier
)

// Problem says why a file is not accepted.
type Problem struct {
	Code string
	Msg  string
	Hint string
}

func (p *Problem) Error() string { return p.Msg }

func problem(code, hint, format string, args ...any) *Problem {
	return &Problem{Code: code, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// Expect is what the archive expects of a segment.
type Expect struct {
	SystemID    uint64 // 0: any
	SegmentSize uint64 // 0: the size the header declares
}

// Info is what a checked file is.
type Info struct {
	Name     walname.Name
	SystemID uint64 // segments only
	SegSize  uint64 // segments only
	Version  int    // PostgreSQL major version from the page magic (0 if unknown)
}

// Check checks a file named name whose (decompressed) content starts with
// head and is size bytes long. For a segment, head needs HeaderSize bytes;
// for a history or backup label file, the whole content.
func Check(name string, head []byte, size int64, exp Expect) (Info, error) {
	n, err := walname.Parse(name)
	if err != nil {
		return Info{}, problem(CodeUnknown, "only WAL segments, .history, .backup and .partial files belong in the WAL archive: remove it",
			"%q is not a WAL file name", name)
	}
	switch n.Kind {
	case walname.History:
		return Info{Name: n}, checkHistory(name, head, size)
	case walname.BackupLabel:
		return Info{Name: n}, checkLabel(name, head)
	}
	return checkSegment(n, name, head, size, exp)
}

func checkSegment(n walname.Name, name string, head []byte, size int64, exp Expect) (Info, error) {
	info := Info{Name: n}
	if len(head) < HeaderSize || size < HeaderSize {
		return info, problem(CodeTruncated, "the file was cut short: PostgreSQL will send it again if it is still in pg_wal",
			"%s is truncated: %d bytes", name, size)
	}
	if bytes.Count(head[:HeaderSize], []byte{0}) == HeaderSize {
		return info, problem(CodeZero, "a segment that starts with zeros was never written: it is not WAL",
			"%s starts with zeros, not with a WAL page header", name)
	}
	h, _ := ParseHeader(head)
	version, known := VersionOfMagic(h.Magic)
	if !known || h.Info&xlpLongHeader == 0 {
		return info, problem(CodeNotWAL, "the file is not a PostgreSQL WAL segment: remove it",
			"%s has no WAL page header (magic 0x%04X, info 0x%04X)", name, h.Magic, h.Info)
	}
	info.Version, info.SystemID, info.SegSize = version, h.SystemID, uint64(h.SegSize)
	if err := walname.CheckSegmentSize(uint64(h.SegSize)); err != nil {
		return info, problem(CodeNotWAL, "the header is damaged", "%s declares segment size %d: %v", name, h.SegSize, err)
	}
	if exp.SegmentSize != 0 && uint64(h.SegSize) != exp.SegmentSize {
		return info, problem(CodeForeignCluster, "the archive holds segments of another size: this file comes from another cluster",
			"%s has segment size %d, the archive %d", name, h.SegSize, exp.SegmentSize)
	}
	if size != int64(h.SegSize) {
		return info, problem(CodeTruncated, "the file was cut short or padded: PostgreSQL will send it again if it is still in pg_wal",
			"%s is %d bytes, a segment is %d", name, size, h.SegSize)
	}
	if err := checkPlace(n, name, h); err != nil {
		return info, err
	}
	if exp.SystemID != 0 && h.SystemID != exp.SystemID {
		return info, problem(CodeForeignCluster, "archive_command of another PostgreSQL cluster sends WAL here: fix that server's archive_command",
			"%s comes from the cluster with system identifier %d, not %d", name, h.SystemID, exp.SystemID)
	}
	return info, nil
}

// checkPlace checks that the header belongs to the segment the name gives.
func checkPlace(n walname.Name, name string, h Header) error {
	start, err := n.StartLSN(uint64(h.SegSize))
	if err != nil {
		return problem(CodeMisplaced, "the name does not fit the segment size", "%s: %v", name, err)
	}
	if h.PageAddr != uint64(start) {
		return problem(CodeMisplaced, "the file was renamed or damaged: it holds another segment",
			"%s holds the segment starting at %s, not %s", name, walname.LSN(h.PageAddr), start)
	}
	if h.Timeline > n.Timeline {
		return problem(CodeMisplaced, "the file was renamed or damaged",
			"%s holds timeline %d, above its name's %d", name, h.Timeline, n.Timeline)
	}
	return nil
}

func checkHistory(name string, content []byte, size int64) error {
	if int64(len(content)) != size {
		return problem(CodeTruncated, "", "%s: history file only partly read", name)
	}
	for i, line := range strings.Split(string(content), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return problem(CodeNotWAL, "a history file has lines `timeline<TAB>LSN<TAB>reason`", "%s:%d is not a timeline history line", name, i+1)
		}
		if _, err := strconv.ParseUint(f[0], 10, 32); err != nil {
			return problem(CodeNotWAL, "a history file has lines `timeline<TAB>LSN<TAB>reason`", "%s:%d: bad timeline %q", name, i+1, f[0])
		}
		if _, err := walname.ParseLSN(f[1]); err != nil {
			return problem(CodeNotWAL, "a history file has lines `timeline<TAB>LSN<TAB>reason`", "%s:%d: bad LSN %q", name, i+1, f[1])
		}
	}
	return nil
}

func checkLabel(name string, content []byte) error {
	if !bytes.HasPrefix(content, []byte("START WAL LOCATION: ")) {
		return problem(CodeNotWAL, "a .backup file starts with `START WAL LOCATION:`", "%s is not a backup label file", name)
	}
	return nil
}
