package recoveryconf

import (
	"reflect"
	"strings"
	"testing"
)

// TestPrepare covers the cases the golden files do not show line by line:
// which files are written, kept and removed.
func TestPrepare(t *testing.T) {
	pitr := Options{PGVersion: 150004, RestoreCommand: "cp /w/%f %p", TargetName: "rp"}
	tests := []struct {
		name    string
		o       Options
		files   map[string][]byte
		write   []string // sorted names of Plan.Write
		origin  []string
		remove  []string
		changes []string // Change.String()
		check   func(t *testing.T, p Plan)
	}{
		{name: "nothing to do", o: Options{PGVersion: 150004},
			files: map[string][]byte{PostgresqlConf: []byte("port = 5432\n"), AutoConf: []byte("")}},
		{name: "archive_command = false is left alone", o: Options{PGVersion: 150004},
			files: map[string][]byte{PostgresqlConf: []byte("archive_command = false\narchive_library = ''\n")}},
		{name: "empty data directory, PITR", o: pitr, files: nil,
			write: []string{AutoConf, RecoverySignal},
			changes: []string{"postgresql.auto.conf line 2: archive_command = false",
				"postgresql.auto.conf line 3: archive_library = ''"}},
		{name: "PITR removes a standby.signal", o: pitr,
			files: map[string][]byte{PostgresqlConf: nil, AutoConf: nil, StandbySignal: nil, RecoverySignal: nil},
			write: []string{AutoConf}, remove: []string{StandbySignal}, origin: []string{AutoConf},
			changes: []string{"standby.signal: removed: it would start a standby instead of a recovery to the target"}},
		{name: "standby keeps a recovery.signal", o: Options{PGVersion: 150004, StandbyMode: true},
			files: map[string][]byte{PostgresqlConf: nil, RecoverySignal: nil},
			write: []string{StandbySignal}},
		{name: "an existing signal file is kept", o: pitr,
			files: map[string][]byte{PostgresqlConf: nil, AutoConf: nil, RecoverySignal: []byte("x")},
			write: []string{AutoConf}, origin: []string{AutoConf}},
		{name: "settings appended to postgresql.conf", o: withConf(pitr, "postgresql.conf"),
			files: map[string][]byte{PostgresqlConf: []byte("recovery_target_name = 'old'"), AutoConf: []byte("recovery_target_xid = '1'\n")},
			write: []string{AutoConf, PostgresqlConf, RecoverySignal}, origin: []string{AutoConf, PostgresqlConf},
			changes: []string{"postgresql.conf line 1: #BARMAN#recovery_target_name = 'old'",
				"postgresql.auto.conf line 1: #BARMAN#recovery_target_xid = '1'"},
			check: func(t *testing.T, p Plan) {
				want := "#BARMAN#recovery_target_name = 'old'\n\n# Recovery settings written by barman recover\n" +
					"restore_command = 'cp /w/%f %p'\nrecovery_target_name = 'rp'\n"
				if got := string(p.Write[PostgresqlConf]); got != want {
					t.Errorf("postgresql.conf:\n got %q\nwant %q", got, want)
				}
			}},
		{name: "9.3: no postgresql.auto.conf, guard in postgresql.conf",
			o:     Options{PGVersion: 90324, RestoreCommand: "cp /w/%f %p", TargetXID: "5"},
			files: map[string][]byte{PostgresqlConf: []byte("include 'x.conf'\n"), AutoConf: []byte("archive_command = 'cp'\n")},
			write: []string{PostgresqlConf, RecoveryConf}, origin: []string{PostgresqlConf},
			changes: []string{"postgresql.conf line 4: archive_command = false"}},
		{name: "9.3 without postgresql.conf: nowhere to guard", o: Options{PGVersion: 90324},
			files: map[string][]byte{},
			check: func(t *testing.T, p Plan) {
				if len(p.Warnings) != 1 || p.Warnings[0].File != PostgresqlConf {
					t.Errorf("warnings = %v, want one about postgresql.conf", p.Warnings)
				}
			}},
		{name: "PG 11 plain recovery removes recovery.conf", o: Options{PGVersion: 110020},
			files:  map[string][]byte{PostgresqlConf: nil, RecoveryConf: []byte("standby_mode = on\n")},
			origin: []string{RecoveryConf}, remove: []string{RecoveryConf},
			changes: []string{"recovery.conf: removed: it holds the recovery settings of the backed up server"}},
		{name: "PG 11 same recovery.conf is not rewritten", o: Options{PGVersion: 110020, StandbyMode: true, Stamp: "s"},
			files: map[string][]byte{PostgresqlConf: nil,
				RecoveryConf: []byte("# Recovery settings written by barman recover on s\nstandby_mode = 'on'\n")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Prepare(tt.o, tt.files)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			checkPlan(t, tt.o, tt.files, p)
			var changes []string
			for _, c := range p.Changes {
				changes = append(changes, c.String())
			}
			for what, pair := range map[string][2][]string{
				"write": {keysOf(p.Write), tt.write}, "origin": {keysOf(p.Origin), tt.origin},
				"remove": {p.Remove, tt.remove}, "changes": {changes, tt.changes},
			} {
				if !reflect.DeepEqual(pair[0], pair[1]) {
					t.Errorf("%s = %q, want %q", what, pair[0], pair[1])
				}
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func withConf(o Options, name string) Options { o.ConfFilename = name; return o }

func keysOf(m map[string][]byte) []string {
	if len(m) == 0 {
		return nil
	}
	return sortedKeys(m)
}

// TestPrepareKeepsInput checks that Prepare does not modify its input.
func TestPrepareKeepsInput(t *testing.T) {
	conf := []byte("archive_command = 'cp'\nrestore_command = 'x'")
	files := map[string][]byte{PostgresqlConf: conf}
	if _, err := Prepare(Options{PGVersion: 150004, RestoreCommand: "y", TargetImmediate: true}, files); err != nil {
		t.Fatal(err)
	}
	if string(conf) != "archive_command = 'cp'\nrestore_command = 'x'" || len(files) != 1 {
		t.Errorf("input modified: %q, %d files", conf, len(files))
	}
}

func TestWriteReportEmpty(t *testing.T) {
	var b strings.Builder
	if err := (Plan{}).WriteReport(&b); err != nil || b.Len() != 0 {
		t.Errorf("WriteReport of an empty plan = %q, %v", b.String(), err)
	}
}
