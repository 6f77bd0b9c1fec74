package catalog

// Keys of backup.info. Those marked 3.4 are written by Barman 3.4; the
// others appeared in later versions and are only read.
const (
	KeyBackupLabel       = "backup_label"        // 3.4: repr() of the backup_label text
	KeyBackupName        = "backup_name"         // 3.4: omitted when unset
	KeyBeginOffset       = "begin_offset"        // 3.4
	KeyBeginTime         = "begin_time"          // 3.4
	KeyBeginWAL          = "begin_wal"           // 3.4
	KeyBeginXlog         = "begin_xlog"          // 3.4
	KeyChildrenBackupIDs = "children_backup_ids" // comma-separated
	KeyClusterSize       = "cluster_size"
	KeyCompression       = "compression" // 3.4
	KeyConfigFile        = "config_file" // 3.4
	KeyCopyStats         = "copy_stats"  // 3.4: dict literal
	KeyDataChecksums     = "data_checksums"
	KeyDeduplicatedSize  = "deduplicated_size" // 3.4
	KeyEncryption        = "encryption"
	KeyEndOffset         = "end_offset"     // 3.4
	KeyEndTime           = "end_time"       // 3.4
	KeyEndWAL            = "end_wal"        // 3.4
	KeyEndXlog           = "end_xlog"       // 3.4
	KeyError             = "error"          // 3.4
	KeyHBAFile           = "hba_file"       // 3.4
	KeyIdentFile         = "ident_file"     // 3.4
	KeyIncludedFiles     = "included_files" // 3.4: list literal
	KeyMode              = "mode"           // 3.4
	KeyParentBackupID    = "parent_backup_id"
	KeyPGData            = "pgdata"         // 3.4
	KeyServerName        = "server_name"    // 3.4
	KeySize              = "size"           // 3.4
	KeySnapshotsInfo     = "snapshots_info" // 3.4: omitted when unset
	KeyStatus            = "status"         // 3.4
	KeySummarizeWAL      = "summarize_wal"
	KeySystemID          = "systemid"          // 3.4
	KeyTablespaces       = "tablespaces"       // 3.4: list of tuples literal
	KeyTimeline          = "timeline"          // 3.4
	KeyVersion           = "version"           // 3.4: server_version_num
	KeyXlogSegmentSize   = "xlog_segment_size" // 3.4
)
