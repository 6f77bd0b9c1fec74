package check

import (
	"fmt"
	"strings"

	"github.com/gobarman/barman/pkg/postgres"
)

// postgres checks the connection and the server settings that backups
// and archiving need. With no connection, the settings checks are left
// out (as Barman does): only the connection failure is shown.
func (c *checker) postgres() {
	s := c.in.Status
	if s == nil {
		hint := "no conninfo set for the server: set conninfo in its section"
		if c.in.ConnErr != nil {
			hint = connHint(c.in.ConnErr)
		}
		c.fail("PostgreSQL", hint)
		return
	}
	c.pass("PostgreSQL", "")
	if s.IsSuperuser || s.HasBackupPrivs {
		c.pass("superuser or standard user with backup privileges", "")
	} else {
		c.fail("superuser or standard user with backup privileges",
			"privileges for PostgreSQL backup functions are required (see documentation): GRANT EXECUTE ON FUNCTION pg_backup_start(text, boolean), pg_backup_stop(boolean) and pg_switch_wal() and pg_read_all_settings to the conninfo user, or use a superuser")
	}
	c.streamingConnection()
	if s.WalLevel == "minimal" {
		c.fail("wal_level", "please set it to a higher level than 'minimal' (replica) and restart PostgreSQL")
	} else {
		c.pass("wal_level", "")
	}
	c.replicationSlot()
}

// connHint turns a connection error into one line with what to check.
func connHint(err error) string {
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	switch {
	case strings.Contains(msg, "password authentication failed"), strings.Contains(msg, "no password"):
		return fmt.Sprintf("%s; check the user and password in conninfo or ~/.pgpass", msg)
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "no such host"), strings.Contains(msg, "timeout"):
		return fmt.Sprintf("%s; check host and port in conninfo and that PostgreSQL is running and accepts TCP connections", msg)
	}
	return msg
}

// archiveSettings checks archive_mode and archive_command.
func (c *checker) archiveSettings(s *postgres.Status) {
	if s.ArchiveMode == "on" || s.ArchiveMode == "always" {
		c.pass("archive_mode", "")
	} else {
		c.fail("archive_mode", fmt.Sprintf("archive_mode is '%s': please set it to 'on' or 'always' in postgresql.conf and restart PostgreSQL", s.ArchiveMode))
	}
	cmd := strings.TrimSpace(s.ArchiveCommand)
	switch {
	case s.ArchiveLibrary != "":
		c.pass("archive_command", "archive_library "+s.ArchiveLibrary)
	case cmd == "" || cmd == "(disabled)":
		c.fail("archive_command", "please set archive_command in postgresql.conf to send WAL to barman (see 'barman show-server' for incoming_wals_directory) and reload PostgreSQL")
	default:
		c.pass("archive_command", "")
	}
}
