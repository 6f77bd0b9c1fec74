package basebackup

import "testing"

func TestExcluded(t *testing.T) {
	for p, want := range map[string]bool{
		"PG_VERSION": false, "base/5/1259": false, "global/1262": false, "pg_wal": false,
		"pg_wal/000000010000000000000001": true, "pg_wal/archive_status/x.done": true,
		"global/pg_control": true, "postmaster.pid": true, "base/5/pgsql_tmp": true,
		"base/pgsql_tmp/pgsql_tmp123.0": true, "base/5/t3_16384": true, "base/5/t3_16384_fsm": true,
		"base/5/16384_fsm": false, "global/pg_internal.init": true, "pg_replslot/slot/state": true,
		"pg_stat_tmp/global.stat": true, "pg_tblspc/16384": false, "postgresql.auto.conf": false,
		"backup_label": true, "pg_xact/0000": false,
	} {
		if got := Excluded(p); got != want {
			t.Errorf("Excluded(%q) = %v, want %v", p, got, want)
		}
	}
	for p, want := range map[string]bool{
		"PG_15_202209061": false, "PG_15_202209061/5/16385": false, "PG_14_202107181/5/1": true,
		"lost+found": true, "PG_15_202209061/5/t3_1": true,
	} {
		if got := ExcludedInTablespace(p, "PG_15_202209061"); got != want {
			t.Errorf("ExcludedInTablespace(%q) = %v, want %v", p, got, want)
		}
	}
}
