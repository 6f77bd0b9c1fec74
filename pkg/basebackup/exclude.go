package basebackup

import (
	"path"
	"regexp"
	"strings"
)

// excludedFiles are PGDATA paths never copied (PostgreSQL's documentation
// on base backups, and Barman's list). global/pg_control is copied last,
// on its own.
var excludedFiles = map[string]bool{
	"postmaster.pid": true, "postmaster.opts": true, "recovery.conf": true, "recovery.signal": true,
	"standby.signal": true, "postgresql.auto.conf.tmp": true, "current_logfiles.tmp": true,
	"backup_label": true, "tablespace_map": true, "backup_label.old": true, "tablespace_map.old": true,
	"global/pg_control": true,
}

// emptiedDirs are kept as empty directories: their content is rebuilt by
// PostgreSQL or would be wrong in a restored server.
var emptiedDirs = []string{"pg_wal", "pg_xlog", "pg_log", "log", "pg_dynshmem", "pg_notify", "pg_replslot",
	"pg_serial", "pg_stat_tmp", "pg_snapshots", "pg_subtrans"}

var tempRelation = regexp.MustCompile(`^t[0-9]+_[0-9]+(\.[0-9]+|_[a-z]+)*$`)

// Excluded reports whether a PGDATA path (relative, "/"-separated) is
// left out of a backup.
func Excluded(p string) bool {
	if excludedFiles[p] {
		return true
	}
	base := path.Base(p)
	if strings.HasPrefix(base, "pgsql_tmp") || base == "pg_internal.init" {
		return true
	}
	for _, d := range emptiedDirs {
		if strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	// Temporary relations: base/<db>/t<backend>_<relfilenode>[...]
	if strings.HasPrefix(p, "base/") && tempRelation.MatchString(base) {
		return true
	}
	return false
}

// ExcludedInTablespace reports whether a path of a tablespace directory
// is left out: only PG_<major>_<catversion> of this server is copied, and
// temporary files in it are not.
func ExcludedInTablespace(p, versionDir string) bool {
	if p != versionDir && !strings.HasPrefix(p, versionDir+"/") {
		return true
	}
	base := path.Base(p)
	return strings.HasPrefix(base, "pgsql_tmp") || base == "pg_internal.init" || tempRelation.MatchString(base)
}
