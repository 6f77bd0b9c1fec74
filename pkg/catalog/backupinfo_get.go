package catalog

import (
	"strconv"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/walname"
)

// String returns the text of a plain string key; "" when unset or absent.
func (b *BackupInfo) String(key string) string {
	if !b.IsSet(key) {
		return ""
	}
	return b.values[key]
}

// Int returns an integer key; ok is false when unset, absent or not an int.
func (b *BackupInfo) Int(key string) (v int64, ok bool) {
	v, err := strconv.ParseInt(b.String(key), 10, 64)
	return v, err == nil
}

// Time returns a time key; ok is false when unset, absent or not a time.
func (b *BackupInfo) Time(key string) (time.Time, bool) {
	t, err := parseTime(b.String(key))
	return t, err == nil
}

// LSN returns an LSN key; ok is false when unset, absent or not an LSN.
func (b *BackupInfo) LSN(key string) (walname.LSN, bool) {
	l, err := walname.ParseLSN(b.String(key))
	return l, err == nil
}

// Literal returns a Python literal key; ok is false when unset, absent or
// not a literal.
func (b *BackupInfo) Literal(key string) (PyValue, bool) {
	v, err := ParsePy(b.String(key))
	return v, err == nil
}

// Status returns the status; EMPTY when the key is absent (Barman's
// default) and "" when it is None.
func (b *BackupInfo) Status() Status {
	if _, ok := b.values[KeyStatus]; !ok {
		return StatusEmpty
	}
	return Status(b.String(KeyStatus))
}

// Tablespaces returns the tablespaces; nil when unset.
func (b *BackupInfo) Tablespaces() []Tablespace {
	ts, _ := decodeTablespaces(b.String(KeyTablespaces))
	return ts
}

// IncludedFiles returns the configuration files included from outside
// PGDATA; nil when unset.
func (b *BackupInfo) IncludedFiles() []string {
	files, _ := decodeStrings(b.String(KeyIncludedFiles))
	return files
}

// BackupLabel returns the text of PostgreSQL's backup_label; "" when unset.
func (b *BackupInfo) BackupLabel() string {
	s, _ := decodeLiteral[PyStr](b.String(KeyBackupLabel))
	return string(s)
}

// CopyStats returns the copy statistics dict; nil when unset.
func (b *BackupInfo) CopyStats() PyDict {
	d, _ := decodeLiteral[PyDict](b.String(KeyCopyStats))
	return d
}

// XlogSegmentSize returns the WAL segment size, 16 MiB when unset.
func (b *BackupInfo) XlogSegmentSize() uint64 {
	if v, ok := b.Int(KeyXlogSegmentSize); ok && v > 0 {
		return uint64(v)
	}
	return walname.DefaultSegmentSize
}

// Timeline returns the timeline of the backup start.
func (b *BackupInfo) Timeline() (uint32, bool) {
	v, err := strconv.ParseUint(b.String(KeyTimeline), 10, 32)
	return uint32(v), err == nil
}

// Version returns PostgreSQL's server_version_num (e.g. 150018).
func (b *BackupInfo) Version() (int, bool) {
	v, ok := b.Int(KeyVersion)
	return int(v), ok
}

// ChildrenBackupIDs returns the IDs of incremental children (Barman 3.11+).
func (b *BackupInfo) ChildrenBackupIDs() []string {
	if s := b.String(KeyChildrenBackupIDs); s != "" {
		return strings.Split(s, ",")
	}
	return nil
}
