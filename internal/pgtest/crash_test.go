package pgtest_test

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// TestCrash: Crash kills the postmaster and every backend at once, with
// no shutdown checkpoint: the next start is a crash recovery, and the
// committed row is there.
func TestCrash(t *testing.T) {
	pg := pgtest.StartPostgres(t, pgtest.Options{})
	pg.SQL(t, "CREATE TABLE t AS SELECT 1 AS x")
	var pids []int
	for _, p := range strings.Fields(pg.SQL(t, "SELECT pid FROM pg_stat_activity")) {
		n, _ := strconv.Atoi(p)
		pids = append(pids, n)
	}
	pids = append(pids, pidOf(t, pg.DataDir+"/postmaster.pid"))
	pg.Crash(t)
	for _, pid := range pids {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err == nil && !strings.Contains(string(b), ") Z ") {
			t.Errorf("process %d of the crashed server still runs: %s", pid, b)
		}
	}
	pg.Start(t)
	if log, _ := os.ReadFile(pg.LogFile); !strings.Contains(string(log), "automatic recovery in progress") {
		t.Errorf("the start after Crash was no crash recovery:\n%s", log)
	}
	if x := pg.SQL(t, "SELECT x FROM t"); x != "1" {
		t.Errorf("committed row: %q", x)
	}
}
