package recoveryconf

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// ErrOptions is wrapped by every error about Options: the request itself is
// wrong, nothing was read or written.
var ErrOptions = errors.New("invalid recovery options")

// DefaultConfFilename is the file that receives the recovery settings on
// PostgreSQL 12 and later unless Options.ConfFilename says otherwise.
const DefaultConfFilename = "postgresql.auto.conf"

// Options describes the recovery to configure. The zero value of each field
// means "not requested".
type Options struct {
	// PGVersion is the server_version_num of the backup, e.g. 150004.
	// Below 120000 the settings go to recovery.conf.
	PGVersion int

	RestoreCommand     string // e.g. "cp /srv/r1/barman_wal/%f %p"
	RecoveryEndCommand string // e.g. "rm -fr /srv/r1/barman_wal"

	// At most one of TargetTime, TargetXID, TargetLSN, TargetName and
	// TargetImmediate. TargetTime is written as given: the caller formats it
	// with an explicit UTC offset ("2026-11-25 13:17:01.123456+00:00").
	TargetTime      string
	TargetXID       string // decimal digits
	TargetLSN       string // "X/Y", hexadecimal
	TargetName      string // a restore point, at most 63 bytes
	TargetImmediate bool

	// Exclusive stops just before a time, xid or lsn target
	// (recovery_target_inclusive = 'false').
	Exclusive bool

	// TargetTLI is a timeline number, "current" or "latest"; empty writes nothing.
	TargetTLI string

	// TargetAction is pause, promote or shutdown, and needs a target.
	// Before PostgreSQL 9.5 only pause exists (pause_at_recovery_target = 'on').
	TargetAction string

	// StandbyMode starts the server as a standby: standby.signal on
	// PostgreSQL 12 and later, standby_mode = 'on' in recovery.conf before.
	StandbyMode bool

	// ConfFilename is the file, relative to the data directory, that receives
	// the settings on PostgreSQL 12 and later; empty means postgresql.auto.conf.
	ConfFilename string

	// Header is a comment written just before the settings, e.g.
	// "# The 'barman get-wal' command must run as 'barman' user". Lines not
	// starting with "#" get "# " in front.
	Header string

	// Stamp ends the comment line that opens the written block:
	// "# Recovery settings written by barman recover on <Stamp>".
	Stamp string
}

// target returns the name and value of the one recovery target set, or an
// error naming two that are set together.
func (o Options) target() (name, value string, err error) {
	all := []struct{ name, value string }{
		{"target time", o.TargetTime},
		{"target xid", o.TargetXID},
		{"target lsn", o.TargetLSN},
		{"target name", o.TargetName},
		{"target immediate", immediate(o.TargetImmediate)},
	}
	for _, t := range all {
		if t.value == "" {
			continue
		}
		if name != "" {
			return "", "", optErr("%s and %s are both set: choose one recovery target", name, t.name)
		}
		name, value = t.name, t.value
	}
	return name, value, nil
}

// immediate is the value of recovery_target for TargetImmediate.
func immediate(on bool) string {
	if on {
		return "immediate"
	}
	return ""
}

// wantsRecovery reports whether anything must be written about recovery:
// a restore_command, a target, a timeline or standby mode. Without any of
// them the server simply replays what is in pg_wal.
func (o Options) wantsRecovery() bool {
	name, _, _ := o.target()
	return o.RestoreCommand != "" || o.RecoveryEndCommand != "" || name != "" ||
		o.TargetTLI != "" || o.TargetAction != "" || o.Exclusive || o.StandbyMode
}

// confFilename returns the file that receives the settings.
func (o Options) confFilename() string {
	if o.PGVersion < 120000 {
		return "recovery.conf"
	}
	if o.ConfFilename == "" {
		return DefaultConfFilename
	}
	return path.Clean(o.ConfFilename)
}

func optErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrOptions}, args...)...)
}

// pgVersion formats a server_version_num as PostgreSQL prints it: 150004
// is "15.4", 90624 is "9.6.24".
func pgVersion(v int) string {
	if v >= 100000 {
		return fmt.Sprintf("%d.%d", v/10000, v%10000)
	}
	return fmt.Sprintf("%d.%d.%d", v/10000, v/100%100, v%100)
}

// validConfFilename checks that name stays inside the data directory and is
// not one of the files the plan manages itself.
func validConfFilename(name string) error {
	clean := path.Clean(name)
	switch {
	case strings.HasPrefix(name, "/"):
		return optErr("recovery configuration file %q is absolute: give a path relative to the data directory", name)
	case clean == ".." || strings.HasPrefix(clean, "../"):
		return optErr("recovery configuration file %q is outside the data directory: give a path inside it", name)
	case clean == "." || strings.HasSuffix(name, "/"):
		return optErr("recovery configuration file %q is a directory: give a file name", name)
	case clean == "recovery.conf" || clean == "recovery.signal" || clean == "standby.signal":
		return optErr("recovery configuration file %q is reserved by PostgreSQL: use postgresql.auto.conf or an included file", name)
	case strings.ContainsAny(name, "\n\x00"):
		return optErr("recovery configuration file %q contains a newline or NUL byte: give a plain file name", name)
	}
	return nil
}
