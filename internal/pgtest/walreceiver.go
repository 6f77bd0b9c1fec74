package pgtest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// StartWALReceiver runs PostgreSQL's own pg_receivewal against p as a WAL
// streamer: from replication slot slot (which must exist), into dir
// (created if missing), connecting over TCP with application_name
// appName. It returns once the streamer shows as streaming in
// pg_stat_replication. stop interrupts it and waits for its exit; it is
// also called when the test ends.
func (p *Postgres) StartWALReceiver(t testing.TB, dir, slot, appName string) (stop func()) {
	t.Helper()
	Require(t, "pg_receivewal", Bin("pg_receivewal"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(Bin("pg_receivewal"), "-D", dir, "-S", slot, "-n",
		"-d", p.ConnInfo()+" application_name="+appName)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("pgtest: pg_receivewal: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(os.Interrupt)
		<-done
	}
	t.Cleanup(stop)
	q := "SELECT count(*) FROM pg_stat_replication WHERE application_name = '" + appName + "' AND state = 'streaming'"
	for p.SQL(t, q) != "1" {
		select {
		case err := <-done:
			stopped = true
			t.Fatalf("pgtest: pg_receivewal exited: %v\n%s", err, stderr.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return stop
}
