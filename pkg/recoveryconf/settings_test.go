package recoveryconf

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const cp = "cp /srv/r1/barman_wal/%f %p"

func TestSettings(t *testing.T) {
	pg15 := func(o Options) Options { o.PGVersion = 150004; o.RestoreCommand = cp; return o }
	tests := []struct {
		name string
		o    Options
		want []string
	}{
		{"nothing", Options{PGVersion: 150004}, nil},
		{"restore and end command", Options{PGVersion: 150004, RestoreCommand: cp, RecoveryEndCommand: "rm -fr /srv/r1/barman_wal"},
			[]string{"restore_command = '" + cp + "'", "recovery_end_command = 'rm -fr /srv/r1/barman_wal'"}},
		{"time", pg15(Options{TargetTime: "2026-11-25 13:17:01.123456+00:00"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_time = '2026-11-25 13:17:01.123456+00:00'"}},
		{"xid", pg15(Options{TargetXID: "7654321"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_xid = '7654321'"}},
		{"lsn", pg15(Options{TargetLSN: "0/3000028"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_lsn = '0/3000028'"}},
		{"name", pg15(Options{TargetName: "before_second"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_name = 'before_second'"}},
		{"immediate", pg15(Options{TargetImmediate: true}),
			[]string{"restore_command = '" + cp + "'", "recovery_target = 'immediate'"}},
		{"exclusive time", pg15(Options{TargetTime: "2026-11-25 13:17:01+00:00", Exclusive: true}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_time = '2026-11-25 13:17:01+00:00'", "recovery_target_inclusive = 'false'"}},
		{"exclusive xid", pg15(Options{TargetXID: "42", Exclusive: true}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_xid = '42'", "recovery_target_inclusive = 'false'"}},
		{"tli latest alone", pg15(Options{TargetTLI: "latest"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_timeline = 'latest'"}},
		{"tli number", pg15(Options{TargetTLI: "3", TargetName: "rp"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_name = 'rp'", "recovery_target_timeline = '3'"}},
		{"tli current, upper case", pg15(Options{TargetTLI: "CURRENT"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_timeline = 'current'"}},
		{"tli current before 12 is the default", Options{PGVersion: 110020, RestoreCommand: cp, TargetTLI: "current"},
			[]string{"restore_command = '" + cp + "'"}},
		{"action promote", pg15(Options{TargetName: "rp", TargetAction: "promote"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_name = 'rp'", "recovery_target_action = 'promote'"}},
		{"action shutdown", pg15(Options{TargetImmediate: true, TargetAction: "Shutdown"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target = 'immediate'", "recovery_target_action = 'shutdown'"}},
		{"action pause on 9.4", Options{PGVersion: 90426, RestoreCommand: cp, TargetXID: "9", TargetAction: "pause"},
			[]string{"restore_command = '" + cp + "'", "recovery_target_xid = '9'", "pause_at_recovery_target = 'on'"}},
		{"full order", pg15(Options{RecoveryEndCommand: "rm x", TargetTime: "t", Exclusive: true, TargetTLI: "2", TargetAction: "pause"}),
			[]string{"restore_command = '" + cp + "'", "recovery_end_command = 'rm x'", "recovery_target_time = 't'",
				"recovery_target_inclusive = 'false'", "recovery_target_timeline = '2'", "recovery_target_action = 'pause'"}},
		{"standby before 12", Options{PGVersion: 110020, RestoreCommand: cp, StandbyMode: true},
			[]string{"restore_command = '" + cp + "'", "standby_mode = 'on'"}},
		{"standby from 12 is a signal file", Options{PGVersion: 120000, RestoreCommand: cp, StandbyMode: true},
			[]string{"restore_command = '" + cp + "'"}},
		{"standby without restore command", Options{PGVersion: 150004, StandbyMode: true, TargetTLI: "latest"},
			[]string{"recovery_target_timeline = 'latest'"}},
		{"quote in restore command", Options{PGVersion: 150004, RestoreCommand: `cp '/srv/my wal'/%f "%p"`},
			[]string{`restore_command = 'cp ''/srv/my wal''/%f "%p"'`}},
		{"backslash in restore command", Options{PGVersion: 150004, RestoreCommand: `copy C:\wal\%f %p`},
			[]string{`restore_command = 'copy C:\\wal\\%f %p'`}},
		{"quote in target name", pg15(Options{TargetName: "it's"}),
			[]string{"restore_command = '" + cp + "'", "recovery_target_name = 'it''s'"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Settings(tt.o)
			if err != nil {
				t.Fatalf("Settings: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Settings:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestSettingsErrors(t *testing.T) {
	o := func(f func(*Options)) Options {
		opts := Options{PGVersion: 150004, RestoreCommand: cp}
		f(&opts)
		return opts
	}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no version", Options{RestoreCommand: cp}, "PostgreSQL version 0 is not a server_version_num: give one such as 150004"},
		{"time and xid", o(func(o *Options) { o.TargetTime, o.TargetXID = "t", "1" }),
			"target time and target xid are both set: choose one recovery target"},
		{"lsn and name", o(func(o *Options) { o.TargetLSN, o.TargetName = "0/1", "n" }),
			"target lsn and target name are both set: choose one recovery target"},
		{"name and immediate", o(func(o *Options) { o.TargetName, o.TargetImmediate = "n", true }),
			"target name and target immediate are both set: choose one recovery target"},
		{"action without target", o(func(o *Options) { o.TargetAction = "promote" }),
			"target action promote needs a recovery target: give a target time, xid, lsn, name or immediate"},
		{"action with tli only", o(func(o *Options) { o.TargetAction, o.TargetTLI = "pause", "latest" }),
			"target action pause needs a recovery target: give a target time, xid, lsn, name or immediate"},
		{"bad action", o(func(o *Options) { o.TargetName, o.TargetAction = "n", "resume" }),
			`target action "resume" is not valid: give pause, promote or shutdown`},
		{"promote before 9.5", o(func(o *Options) { o.PGVersion, o.TargetName, o.TargetAction = 90426, "n", "promote" }),
			"target action promote needs PostgreSQL 9.5 or later, the backup is 9.4.26: only pause exists there"},
		{"bad tli", o(func(o *Options) { o.TargetTLI = "newest" }),
			`target timeline "newest" is not valid: give a timeline number, current or latest`},
		{"tli zero", o(func(o *Options) { o.TargetTLI = "0" }),
			`target timeline "0" is not valid: give a timeline number, current or latest`},
		{"tli negative", o(func(o *Options) { o.TargetTLI = "-1" }),
			`target timeline "-1" is not valid: give a timeline number, current or latest`},
		{"xid not digits", o(func(o *Options) { o.TargetXID = "12a" }),
			`target xid "12a" is not valid: give a transaction id in decimal digits`},
		{"xid signed", o(func(o *Options) { o.TargetXID = "+12" }),
			`target xid "+12" is not valid: give a transaction id in decimal digits`},
		{"lsn bad", o(func(o *Options) { o.TargetLSN = "3000028" }),
			`target lsn "3000028" is not valid: give it as X/Y in hexadecimal, as in 0/3000028`},
		{"lsn too long", o(func(o *Options) { o.TargetLSN = "0/123456789" }),
			`target lsn "0/123456789" is not valid: give it as X/Y in hexadecimal, as in 0/3000028`},
		{"lsn before 10", o(func(o *Options) { o.PGVersion, o.TargetLSN = 90624, "0/1" }),
			"target lsn needs PostgreSQL 10 or later, the backup is 9.6.24"},
		{"immediate before 9.4", o(func(o *Options) { o.PGVersion, o.TargetImmediate = 90324, true }),
			"target immediate needs PostgreSQL 9.4 or later, the backup is 9.3.24"},
		{"name too long", o(func(o *Options) { o.TargetName = strings.Repeat("n", 64) }),
			`target name "` + strings.Repeat("n", 64) + `" is 64 bytes long: PostgreSQL restore point names have at most 63`},
		{"exclusive without target", o(func(o *Options) { o.Exclusive = true }),
			"exclusive needs a recovery target: give a target time, xid or lsn"},
		{"exclusive with name", o(func(o *Options) { o.Exclusive, o.TargetName = true, "n" }),
			"exclusive does not apply to a target name: it only applies to a target time, xid or lsn"},
		{"target without restore command", Options{PGVersion: 150004, TargetName: "n"},
			"a recovery target, timeline or end command needs a restore command to fetch WAL files: give one, or use standby mode"},
		{"newline in restore command", o(func(o *Options) { o.RestoreCommand = "cp a b\nrm -rf /" }),
			`restore command "cp a b\nrm -rf /" contains a line break or NUL byte: give it on one line`},
		{"conf file before 12", o(func(o *Options) { o.PGVersion, o.ConfFilename = 110020, "custom.conf" }),
			`recovery configuration file "custom.conf" needs PostgreSQL 12 or later: the backup is 11.20 and uses recovery.conf`},
		{"conf file absolute", o(func(o *Options) { o.ConfFilename = "/etc/x.conf" }),
			`recovery configuration file "/etc/x.conf" is absolute: give a path relative to the data directory`},
		{"conf file outside", o(func(o *Options) { o.ConfFilename = "conf.d/../../x.conf" }),
			`recovery configuration file "conf.d/../../x.conf" is outside the data directory: give a path inside it`},
		{"conf file signal", o(func(o *Options) { o.ConfFilename = "./standby.signal" }),
			`recovery configuration file "./standby.signal" is reserved by PostgreSQL: use postgresql.auto.conf or an included file`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Settings(tt.o)
			if err == nil {
				t.Fatalf("Settings: no error, want %q", tt.want)
			}
			if !errors.Is(err, ErrOptions) {
				t.Errorf("Settings: %v does not wrap ErrOptions", err)
			}
			if got := strings.TrimPrefix(err.Error(), ErrOptions.Error()+": "); got != tt.want {
				t.Errorf("Settings error:\n got %s\nwant %s", got, tt.want)
			}
			if _, err := Prepare(tt.o, nil); err == nil {
				t.Errorf("Prepare accepted what Settings refused")
			}
		})
	}
}

// TestQuoteRoundTrip checks that what Quote writes is read back unchanged
// by the configuration scanner.
func TestQuoteRoundTrip(t *testing.T) {
	for _, v := range []string{"", "a", "it's", `C:\wal\%f`, `\\`, `''`, `\'`, "#not a comment", "tab\there", "caf\xe9"} {
		s, ok := parseLine([]byte("restore_command = " + Quote(v)))
		if !ok || s.value != v {
			t.Errorf("Quote(%q) = %s, read back as %q (ok %v)", v, Quote(v), s.value, ok)
		}
	}
}
