// Package recoveryconf owns the configuration barman recover leaves in a
// restored data directory (steps 8 and 9 of Barman's restore): the recovery
// settings, the signal files, and the edits that stop the restored server
// from doing harm with the settings of the server it was copied from.
//
// Everything here is a pure function of its input: Settings turns Options
// into setting lines, Prepare turns Options and the current content of the
// configuration files into a Plan (files to write, originals to keep as
// "<file>.origin", files to remove, changes and warnings to print). The
// caller reads and writes the files, locally or through SSH.
//
// # Recovery settings
//
// Settings follows Barman's order: restore_command, recovery_end_command,
// the one target (recovery_target_time, _xid, _lsn, _name, or
// recovery_target = 'immediate'), recovery_target_inclusive,
// recovery_target_timeline, recovery_target_action (pause_at_recovery_target
// = 'on' before 9.5). Every value is single-quoted the way ALTER SYSTEM
// quotes: a quote and a backslash are doubled, since PostgreSQL's scanner
// reads backslash escapes inside quotes. Differences from Barman 3:
//
//   - recovery_target_inclusive is written 'false' (Barman writes Python's
//     'False'; PostgreSQL reads both), and the timeline is quoted too.
//   - Exclusive without a time, xid or lsn target is refused (Barman ignores
//     it silently: recovery_target_inclusive applies to nothing else), and so
//     is a target action with only a timeline, or a target without a
//     restore_command outside standby mode (PostgreSQL would not start).
//   - Timeline "current" is not written before PostgreSQL 12: it was the
//     default there and not a valid value.
//
// From PostgreSQL 12 the lines are appended, after a blank line and a
// "# Recovery settings written by barman recover on <stamp>" comment, to
// postgresql.auto.conf (or Options.ConfFilename), and recovery.signal (or
// standby.signal) is created; a recovery.conf would stop the server from
// starting, so it is removed, and so is a standby.signal copied from a
// standby when a targeted recovery is asked for. Before 12, recovery.conf
// is written whole, with standby_mode = 'on' for a standby. With no
// restore command, target or standby mode nothing is written: the server
// replays pg_wal and opens (and a recovery.conf from the backup is removed,
// as Barman never copies it).
//
// # Dangerous settings
//
// In postgresql.conf and postgresql.auto.conf (from 9.4) every active line
// setting one of these is commented out with the "#BARMAN#" prefix:
//
//   - archive_command, followed by a new line archive_command = false: the
//     restored server must not archive into the origin server's archive.
//   - archive_library: from PostgreSQL 15 it takes precedence over
//     archive_command (16 refuses both), so it would keep archiving.
//   - restore_command, recovery_end_command and the recovery_target family
//     (recovery_target, _name, _time, _xid, _lsn, _inclusive, _timeline,
//     _action): from 12 they live in these files, and the last definition
//     wins, so a stale one in postgresql.auto.conf would override the new
//     settings appended to postgresql.conf, and a stale target would be
//     combined with the new one. The new settings must be the only ones.
//   - archive_cleanup_command: a restored standby would run it at every
//     restartpoint and delete files from an archive it does not restore from.
//
// primary_conninfo and primary_slot_name are only warned about: they matter
// only to a standby, and a standby of the same primary is a fair use of a
// restore. archive_command = false and an empty archive_library are left
// alone, so that Prepare run again on its own output (a second restore into
// the same directory) does not comment out barman's replacement lines.
//
// PostgreSQL reads postgresql.conf (with its includes in place), then
// postgresql.auto.conf, and the last definition of a setting wins. Since
// every visible definition becomes false, the effective archive_command is
// false whichever file defines it. Only definitions barman cannot see could
// win: those in included files, or in a postgresql.conf that lives outside
// the data directory (Debian's /etc/postgresql). In those two cases the
// last file read (postgresql.auto.conf, postgresql.conf before 9.4) also
// gets archive_command = false, and an empty archive_library from 15, at its end.
//
// # Warnings
//
// These settings are reported and left alone because they name files or
// directories outside the data directory, which the new host may lack or
// share with the origin server: Barman's list (data_directory, config_file,
// hba_file, ident_file, external_pid_file, ssl_cert_file, ssl_key_file,
// ssl_ca_file, ssl_crl_file, unix_socket_directory, unix_socket_directories,
// include, include_dir, include_if_exists) plus ssl_crl_dir,
// ssl_dh_params_file, krb_server_keyfile, ssl_passphrase_command (a command
// run at start), stats_temp_directory (shared with the origin on the same
// host before 15), promote_trigger_file (a shared path would promote both
// servers), primary_conninfo and primary_slot_name (a second server on the
// same slot). A line PostgreSQL cannot parse is left alone and reported too:
// the server refuses to start until it is fixed.
//
// Line numbers are 1-based and count lines of the new content, so that
// "postgresql.conf line 822: archive_command = false" names the line that
// now reads so. Barman prints the 0-based index of the original line.
//
// # Parsing
//
// Lines are read with the rules of PostgreSQL's scanner (guc-file.l):
// "name = value", "name value" or "name=value"; names are compared without
// ASCII case; a value is a quoted string (with doubled quotes and backslash
// escapes), a number with an optional unit, or an unquoted word; "#" starts
// a comment outside quotes; "\r" is a blank, so CRLF files keep their line
// endings. Every byte of a line that is not changed is kept.
package recoveryconf
