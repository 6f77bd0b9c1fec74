package stream

import "time"

// Version is the major version of the record contract this package reads
// and writes. It is the "v" of every record.
const Version = 1

// Record is one line of a stream. The concrete types are the pointer types
// of this package: *WALFile, *BackupFile, *BackupSummary, *Error,
// *Progress, *Summary and *Unknown. The set is closed: new record types are
// added here, so that one package owns the contract.
type Record interface {
	// Type is the value of the record's "type" key.
	Type() string
	record()
}

// wal_file kinds.
const (
	KindSegment     = "segment"
	KindHistory     = "history"
	KindBackupLabel = "backup_label" // a .backup file
	KindPartial     = "partial"
)

// wal_file statuses.
const (
	StatusNew       = "new"       // found by ingest, not yet archived
	StatusDuplicate = "duplicate" // same content already archived: dropped
	StatusRejected  = "rejected"  // moved aside to errors/
	StatusArchived  = "archived"  // placed under wals/ and listed in xlog.db
)

// backup_file kinds.
const (
	FileRegular = "file"
	FileDir     = "dir"
	FileSymlink = "symlink"
)

// error codes: short machine-readable reasons.
const (
	CodeDuplicate      = "duplicate"       // name already archived with other content
	CodeUnknown        = "unknown"         // not a WAL file name
	CodeTruncated      = "truncated"       // shorter than it must be
	CodeForeignCluster = "foreign_cluster" // belongs to another system identifier
	CodeBadRecord      = "bad_record"      // an input line was not a valid record
	CodeIO             = "io"              // a read or write failed
	CodeFilter         = "filter"          // a custom compression filter failed or lost data
	CodeChecksum       = "checksum"        // a backup file does not match its manifest checksum
	CodeUnsafePath     = "unsafe_path"     // a record would be written outside its destination
	CodeRetry          = "retry"           // a failed copy starts again from scratch: the records before this one are void
)

// WALFile ("wal_file") is a WAL file moving through ingest → compress →
// commit. Each stage fills in what it learns and passes the record on.
type WALFile struct {
	Server       string    `json:"server,omitempty"`
	Name         string    `json:"name,omitempty" stream:"bytes"` // file name, e.g. 000000010000000000000006
	Kind         string    `json:"kind,omitempty"`                // KindSegment, KindHistory, ...
	Timeline     uint32    `json:"timeline,omitempty"`
	Status       string    `json:"status,omitempty"`              // StatusNew, StatusArchived, ...
	Size         int64     `json:"size"`                          // bytes on disk, after compression/encryption
	OriginalSize int64     `json:"original_size,omitempty"`       // bytes before compression; 0 = unknown
	MTime        time.Time `json:"mtime,omitzero"`                // modification time of the source file
	Compression  string    `json:"compression,omitempty"`         // "" = none; gzip, zstd, ...
	Encryption   string    `json:"encryption,omitempty"`          // "" = none; gpg
	Checksum     string    `json:"checksum,omitempty"`            // algo:hex of the uncompressed content
	Path         string    `json:"path,omitempty" stream:"bytes"` // where the file is now (source)
	Dest         string    `json:"dest,omitempty" stream:"bytes"` // where it was placed in the archive
}

// BackupFile ("backup_file") is one entry of a backup's manifest.
type BackupFile struct {
	Server        string    `json:"server,omitempty"`
	BackupID      string    `json:"backup_id,omitempty"`
	Path          string    `json:"path,omitempty" stream:"bytes"` // relative to the backup root, "/"-separated
	Kind          string    `json:"kind"`                          // FileRegular, FileDir, FileSymlink
	Tablespace    string    `json:"tablespace,omitempty"`          // tablespace name; "" = PGDATA
	TablespaceOID uint32    `json:"tablespace_oid,omitempty"`      // 0 = PGDATA
	Size          int64     `json:"size"`
	MTime         time.Time `json:"mtime,omitzero"`
	Mode          Mode      `json:"mode"`
	Checksum      string    `json:"checksum,omitempty"`
	Link          string    `json:"link,omitempty" stream:"bytes"` // symlink target
}

// BackupSummary ("backup_summary") is the result of one backup. Status uses
// Barman's values: EMPTY, STARTED, FAILED, WAITING_FOR_WALS, DONE, SYNCING.
type BackupSummary struct {
	Server     string    `json:"server,omitempty"`
	BackupID   string    `json:"backup_id"`
	BackupName string    `json:"backup_name,omitempty"`
	Status     string    `json:"status"`
	Mode       string    `json:"mode,omitempty"` // postgres, rsync-concurrent, ...
	Timeline   uint32    `json:"timeline,omitempty"`
	BeginLSN   string    `json:"begin_lsn,omitempty"`
	EndLSN     string    `json:"end_lsn,omitempty"`
	BeginWAL   string    `json:"begin_wal,omitempty"`
	EndWAL     string    `json:"end_wal,omitempty"`
	BeginTime  time.Time `json:"begin_time,omitzero"`
	EndTime    time.Time `json:"end_time,omitzero"`
	Size       int64     `json:"size"`  // bytes under base/<backup_id>/
	Files      int64     `json:"files"` // number of files
	Error      string    `json:"error,omitempty"`
}

// Error ("error") reports one failure that did not stop the stage.
type Error struct {
	Server  string `json:"server,omitempty"`
	Stage   string `json:"stage,omitempty"` // the binary or step, e.g. "wal-ingest"
	Code    string `json:"code,omitempty"`  // CodeDuplicate, CodeUnknown, ...
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	Name    string `json:"name,omitempty" stream:"bytes"`
	Path    string `json:"path,omitempty" stream:"bytes"`
}

// Progress ("progress") tells how far a stage is. Totals of 0 are unknown.
type Progress struct {
	Server         string    `json:"server,omitempty"`
	Stage          string    `json:"stage"`
	DoneFiles      int64     `json:"done_files"`
	TotalFiles     int64     `json:"total_files,omitempty"`
	DoneBytes      int64     `json:"done_bytes"`
	TotalBytes     int64     `json:"total_bytes,omitempty"`
	BytesPerSecond float64   `json:"bytes_per_second,omitempty"`
	ETASeconds     float64   `json:"eta_seconds,omitempty"`
	Time           time.Time `json:"time,omitzero"`
}

// Summary ("summary") is the last record a stage writes: what it did.
type Summary struct {
	Server         string           `json:"server,omitempty"`
	Stage          string           `json:"stage"`
	Files          int64            `json:"files"`
	Bytes          int64            `json:"bytes"`
	Errors         int64            `json:"errors"`
	Statuses       map[string]int64 `json:"statuses,omitempty"` // files per status, e.g. {"archived":3}
	ElapsedSeconds float64          `json:"elapsed_seconds"`
	ExitStatus     int              `json:"exit_status"` // the exit status the stage is about to use
}

func (*WALFile) Type() string       { return "wal_file" }
func (*BackupFile) Type() string    { return "backup_file" }
func (*BackupSummary) Type() string { return "backup_summary" }
func (*Error) Type() string         { return "error" }
func (*Progress) Type() string      { return "progress" }
func (*Summary) Type() string       { return "summary" }

func (*WALFile) record()       {}
func (*BackupFile) record()    {}
func (*BackupSummary) record() {}
func (*Error) record()         {}
func (*Progress) record()      {}
func (*Summary) record()       {}

// registry maps a "type" to a constructor of its record.
var registry = map[string]func() Record{
	"wal_file":       func() Record { return new(WALFile) },
	"backup_file":    func() Record { return new(BackupFile) },
	"backup_summary": func() Record { return new(BackupSummary) },
	"error":          func() Record { return new(Error) },
	"progress":       func() Record { return new(Progress) },
	"summary":        func() Record { return new(Summary) },
}
