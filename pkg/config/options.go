package config

// Scope says in which sections an option may appear.
type Scope int

const (
	// ServerOnly options belong to a server section; in [barman] they are ignored.
	ServerOnly Scope = iota
	// GlobalOnly options belong to [barman]; in a server section they are ignored.
	GlobalOnly
	// Both options may be set in [barman] and overridden per server.
	Both
)

// Option describes one configuration key.
type Option struct {
	Name    string
	Scope   Scope
	Default string // after interpolation; "" = unset
	Kind    Kind
	// Implemented is false for options barman accepts and shows but does
	// not act on yet; `barman check` reports them.
	Implemented bool
}

// implementedHooks are the events whose hook scripts barman runs.
var implementedHooks = map[string]bool{"archive": true, "backup": true, "recovery": true, "delete": true, "wal_delete": true}

var hookNames = []string{
	"backup", "archive", "delete", "wal_delete", "recovery",
}

// optionTable lists every option barman knows. Kinds validate values.
func optionTable() []Option {
	o := []Option{
		// global only
		{"barman_home", GlobalOnly, "", kindAbsPath, true},
		{"barman_user", GlobalOnly, "barman", kindString, true},
		{"barman_lock_directory", GlobalOnly, "%(barman_home)s", kindAbsPath, true},
		{"lock_directory_cleanup", GlobalOnly, "true", kindBool, false},
		{"config_changes_queue", GlobalOnly, "", kindAbsPath, false},
		{"configuration_files_directory", GlobalOnly, "", kindAbsPath, true},
		{"log_file", GlobalOnly, "", kindAbsPath, true},
		{"log_level", GlobalOnly, "INFO", enumKind("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), true},
		{"log_format", GlobalOnly, "", kindString, false},

		// general and connections
		{"description", ServerOnly, "", kindString, true},
		{"active", ServerOnly, "true", kindBool, true},
		{"cluster", ServerOnly, "", kindString, false},
		{"model", ServerOnly, "false", kindBool, false},
		{"conninfo", ServerOnly, "", kindString, true},
		{"streaming_conninfo", ServerOnly, "", kindString, true},
		{"wal_streaming_conninfo", ServerOnly, "", kindString, true},
		{"wal_conninfo", ServerOnly, "", kindString, true},
		{"primary_conninfo", ServerOnly, "", kindString, false},
		{"primary_checkpoint_timeout", ServerOnly, "0", kindUint, false},
		{"ssh_command", ServerOnly, "", kindCommand, true},
		{"path_prefix", Both, "", kindString, true},
		{"check_timeout", Both, "30", kindUint, true},
		{"keepalive_interval", ServerOnly, "60", kindUint, true},
		{"forward_config_path", Both, "false", kindBool, false},
		{"primary_ssh_command", Both, "", kindCommand, false},

		// backups
		{"backup_method", Both, "rsync", enumKind("rsync", "local-rsync", "postgres", "snapshot"), true},
		{"backup_options", Both, "", csvKind("concurrent_backup", "exclusive_backup", "external_configuration"), false},
		{"backup_directory", ServerOnly, "%(barman_home)s/%(name)s", kindAbsPath, true},
		{"basebackups_directory", ServerOnly, "%(backup_directory)s/base", kindAbsPath, true},
		{"reuse_backup", Both, "", enumKind("off", "copy", "link"), true},
		{"immediate_checkpoint", Both, "false", kindBool, true},
		{"bandwidth_limit", Both, "", kindUint, true},
		{"tablespace_bandwidth_limit", Both, "", kindString, true},
		{"network_compression", Both, "false", kindBool, true},
		{"parallel_jobs", Both, "1", kindPositive, true},
		{"parallel_jobs_start_batch_size", Both, "10", kindPositive, false},
		{"parallel_jobs_start_batch_period", Both, "1", kindPositive, false},
		{"basebackup_retry_times", Both, "0", kindUint, true},
		{"basebackup_retry_sleep", Both, "30", kindUint, true},
		{"autogenerate_manifest", Both, "false", kindBool, false},
		{"backup_compression", Both, "", enumKind("gzip", "lz4", "zstd", "none"), true},
		{"backup_compression_format", Both, "tar", enumKind("plain", "tar"), true},
		{"backup_compression_level", Both, "", kindInt, true},
		{"backup_compression_location", Both, "", enumKind("client", "server"), true},
		{"backup_compression_workers", Both, "0", kindUint, true},
		{"streaming_backup_name", Both, "barman_streaming_backup", kindString, false},
		{"worm_mode", Both, "off", kindBool, false},
		{"encryption", Both, "none", enumKind("none", "gpg"), false},
		{"encryption_key_id", Both, "", kindString, false},
		{"encryption_passphrase_command", Both, "", kindCommand, false},

		// WAL archiving
		{"archiver", Both, "off", kindBool, true},
		{"archiver_batch_size", Both, "0", kindUint, true},
		{"streaming_archiver", Both, "off", kindBool, true},
		{"streaming_archiver_batch_size", Both, "0", kindUint, true},
		{"streaming_archiver_name", Both, "barman_receive_wal", kindString, true},
		{"slot_name", Both, "", kindSlotName, true},
		{"create_slot", Both, "manual", enumKind("auto", "manual"), true},
		{"incoming_wals_directory", ServerOnly, "%(backup_directory)s/incoming", kindAbsPath, true},
		{"streaming_wals_directory", ServerOnly, "%(backup_directory)s/streaming", kindAbsPath, true},
		{"wals_directory", ServerOnly, "%(backup_directory)s/wals", kindAbsPath, true},
		{"errors_directory", ServerOnly, "%(backup_directory)s/errors", kindAbsPath, true},
		{"xlogdb_directory", Both, "", kindAbsPath, false},
		{"compression", Both, "", enumKind("gzip", "bzip2", "pigz", "xz", "zstd", "lz4", "snappy", "pygzip", "pybzip2", "custom"), true},
		{"compression_level", Both, "medium", kindCompressionLevel, true},
		{"custom_compression_filter", Both, "", kindCommand, true},
		{"custom_decompression_filter", Both, "", kindCommand, true},
		{"custom_compression_magic", Both, "", kindHex, true},
		{"max_incoming_wals_queue", Both, "", kindUint, false},
		{"last_wal_maximum_age", Both, "", kindInterval, false},

		// retention and monitoring
		{"retention_policy", Both, "", kindRetention, true},
		{"wal_retention_policy", Both, "main", enumKind("main"), true},
		{"retention_policy_mode", Both, "auto", enumKind("auto"), true},
		{"minimum_redundancy", Both, "0", kindUint, true},
		{"last_backup_maximum_age", Both, "", kindInterval, false},
		{"last_backup_minimum_size", Both, "", kindSize, false},

		// restore
		{"recovery_options", Both, "", csvKind("get-wal", "delta-restore"), true},
		{"staging_path", Both, "", kindAbsPath, false},
		{"staging_location", Both, "local", enumKind("local", "remote"), false},
		{"recovery_staging_path", Both, "", kindAbsPath, false},
		{"local_staging_path", Both, "", kindAbsPath, false},
		{"combine_mode", Both, "copy", enumKind("copy", "link", "clone", "copy-file-range"), false},

		// Barman 1.x
		{"lock_file", ServerOnly, "", kindAbsPath, false},
	}
	for _, h := range hookNames {
		for _, v := range []string{"pre_%s_script", "pre_%s_retry_script", "post_%s_retry_script", "post_%s_script"} {
			o = append(o, Option{Name: sprintf(v, h), Scope: Both, Kind: kindCommand, Implemented: implementedHooks[h]})
		}
	}
	return o
}

// Options returns the table of known options, indexed by name.
func Options() map[string]Option {
	m := make(map[string]Option)
	for _, o := range optionTable() {
		m[o.Name] = o
	}
	return m
}
