// Package server turns one configured server (a section of barman.conf,
// merged with [barman]) into a typed, validated Server that every job and
// command takes instead of looking keys up by name: its backup method and
// backup settings, its catalogue layout, its WAL compression, retention,
// connections and SSH transport.
//
// New checks what a value means, not only its syntax (the configuration
// loader already refused malformed values); settings that are valid on
// their own but wrong together for one job (backup_compression with an
// rsync method, rsync without ssh_command) are reported by the job that
// needs them (BackupCompression, BackupSSH), so that list-backups or
// delete keep working on a server whose backups are misconfigured.
//
// The raw section stays reachable (Section) for what prints or exports
// every key: show-servers and the BARMAN_* environment of hooks.
package server
