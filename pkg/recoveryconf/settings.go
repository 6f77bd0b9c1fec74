package recoveryconf

import (
	"strconv"
	"strings"

	"github.com/gobarman/barman/pkg/walname"
)

// Settings validates o and returns the recovery settings, one
// "name = 'value'" line each, in Barman's order: restore_command,
// recovery_end_command, the target, recovery_target_inclusive,
// recovery_target_timeline, then recovery_target_action (or
// pause_at_recovery_target before 9.5) and, before PostgreSQL 12,
// standby_mode. It returns no lines when o asks for no recovery settings.
// Errors wrap ErrOptions and name the option at fault.
func Settings(o Options) ([]string, error) {
	if err := validate(o); err != nil {
		return nil, err
	}
	var out []string
	add := func(name, value string) { out = append(out, name+" = "+Quote(value)) }
	if o.RestoreCommand != "" {
		add("restore_command", o.RestoreCommand)
	}
	if o.RecoveryEndCommand != "" {
		add("recovery_end_command", o.RecoveryEndCommand)
	}
	name, value, _ := o.target()
	if name != "" {
		add(targetSetting[name], value)
	}
	if o.Exclusive {
		add("recovery_target_inclusive", "false")
	}
	if tli := timeline(o); tli != "" {
		add("recovery_target_timeline", tli)
	}
	switch action := strings.ToLower(o.TargetAction); {
	case action != "" && o.PGVersion < 90500:
		add("pause_at_recovery_target", "on")
	case action != "":
		add("recovery_target_action", action)
	}
	if o.StandbyMode && o.PGVersion < 120000 {
		add("standby_mode", "on")
	}
	return out, nil
}

// targetSetting maps a target, as named by Options.target, to its setting.
var targetSetting = map[string]string{
	"target time":      "recovery_target_time",
	"target xid":       "recovery_target_xid",
	"target lsn":       "recovery_target_lsn",
	"target name":      "recovery_target_name",
	"target immediate": "recovery_target",
}

// timeline returns the recovery_target_timeline value to write, if any.
// Before PostgreSQL 12 "current" was the default and not a valid value, so
// it is left out there.
func timeline(o Options) string {
	tli := strings.ToLower(o.TargetTLI)
	if tli == "current" && o.PGVersion < 120000 {
		return ""
	}
	return tli
}

// Quote returns s as a single-quoted PostgreSQL configuration value: a
// quote is doubled and a backslash is doubled too, because the
// configuration scanner reads backslash escapes inside quotes (this is what
// ALTER SYSTEM writes). s must not contain a line break or NUL byte, which no
// quoting carries: Settings refuses them.
func Quote(s string) string {
	r := strings.NewReplacer(`'`, `''`, `\`, `\\`)
	return "'" + r.Replace(s) + "'"
}

// validate checks every option of o; the first problem found is returned.
func validate(o Options) error {
	checks := []func(Options) error{
		checkVersion, checkText, checkTarget, checkTargetValues,
		checkExclusive, checkTimeline, checkAction, checkNeedsRestore, checkConfFilename,
	}
	for _, check := range checks {
		if err := check(o); err != nil {
			return err
		}
	}
	return nil
}

func checkVersion(o Options) error {
	if o.PGVersion < 80000 || o.PGVersion >= 1000000 {
		return optErr("PostgreSQL version %d is not a server_version_num: give one such as 150004", o.PGVersion)
	}
	return nil
}

// checkText refuses line breaks and NUL bytes, which no quoting can carry
// through PostgreSQL's configuration scanner (ALTER SYSTEM refuses them too).
func checkText(o Options) error {
	fields := []struct{ name, value string }{
		{"restore command", o.RestoreCommand}, {"recovery end command", o.RecoveryEndCommand},
		{"target time", o.TargetTime}, {"target name", o.TargetName}, {"header", o.Header}, {"stamp", o.Stamp},
	}
	for _, f := range fields {
		bad := "\n\r\x00"
		if f.name == "header" {
			bad = "\r\x00" // the header may span lines
		}
		if strings.ContainsAny(f.value, bad) {
			return optErr("%s %q contains a line break or NUL byte: give it on one line", f.name, f.value)
		}
	}
	return nil
}

func checkTarget(o Options) error {
	_, _, err := o.target()
	if err == nil && o.TargetImmediate && o.PGVersion < 90400 {
		return optErr("target immediate needs PostgreSQL 9.4 or later, the backup is %s", pgVersion(o.PGVersion))
	}
	return err
}

func checkTargetValues(o Options) error {
	if o.TargetXID != "" {
		if _, err := strconv.ParseUint(o.TargetXID, 10, 64); err != nil {
			return optErr("target xid %q is not valid: give a transaction id in decimal digits", o.TargetXID)
		}
	}
	if o.TargetLSN != "" {
		if _, err := walname.ParseLSN(o.TargetLSN); err != nil {
			return optErr("target lsn %q is not valid: give it as X/Y in hexadecimal, as in 0/3000028", o.TargetLSN)
		}
		if o.PGVersion < 100000 {
			return optErr("target lsn needs PostgreSQL 10 or later, the backup is %s", pgVersion(o.PGVersion))
		}
	}
	if len(o.TargetName) > 63 {
		return optErr("target name %q is %d bytes long: PostgreSQL restore point names have at most 63", o.TargetName, len(o.TargetName))
	}
	return nil
}

// checkExclusive: recovery_target_inclusive only applies to time, xid and
// lsn targets; Barman silently drops --exclusive otherwise, we refuse it.
func checkExclusive(o Options) error {
	if !o.Exclusive {
		return nil
	}
	switch name, _, _ := o.target(); name {
	case "target time", "target xid", "target lsn":
		return nil
	case "":
		return optErr("exclusive needs a recovery target: give a target time, xid or lsn")
	default:
		return optErr("exclusive does not apply to a %s: it only applies to a target time, xid or lsn", name)
	}
}

func checkTimeline(o Options) error {
	tli := strings.ToLower(o.TargetTLI)
	if tli == "" || tli == "current" || tli == "latest" {
		return nil
	}
	if n, err := strconv.ParseUint(tli, 10, 32); err != nil || n == 0 {
		return optErr("target timeline %q is not valid: give a timeline number, current or latest", o.TargetTLI)
	}
	return nil
}

func checkAction(o Options) error {
	action := strings.ToLower(o.TargetAction)
	if action == "" {
		return nil
	}
	if action != "pause" && action != "promote" && action != "shutdown" {
		return optErr("target action %q is not valid: give pause, promote or shutdown", o.TargetAction)
	}
	if name, _, _ := o.target(); name == "" {
		return optErr("target action %s needs a recovery target: give a target time, xid, lsn, name or immediate", action)
	}
	if action != "pause" && o.PGVersion < 90500 {
		return optErr("target action %s needs PostgreSQL 9.5 or later, the backup is %s: only pause exists there", action, pgVersion(o.PGVersion))
	}
	return nil
}

// checkNeedsRestore: outside standby mode PostgreSQL refuses to start a
// targeted recovery without a restore_command.
func checkNeedsRestore(o Options) error {
	if o.RestoreCommand != "" || o.StandbyMode || !o.wantsRecovery() {
		return nil
	}
	return optErr("a recovery target, timeline or end command needs a restore command to fetch WAL files: give one, or use standby mode")
}

func checkConfFilename(o Options) error {
	if o.ConfFilename == "" {
		return nil
	}
	if o.PGVersion < 120000 {
		return optErr("recovery configuration file %q needs PostgreSQL 12 or later: the backup is %s and uses recovery.conf", o.ConfFilename, pgVersion(o.PGVersion))
	}
	return validConfFilename(o.ConfFilename)
}
