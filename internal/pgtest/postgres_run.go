package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var errAddrInUse = errors.New("address already in use")

// launch starts the server and waits until it accepts connections.
func (p *Postgres) launch() error {
	d, offset, err := startDaemon(p.bare("postgres", "-D", p.DataDir), p.LogFile)
	if err != nil {
		return err
	}
	if err := waitReady(d, p.DataDir); err != nil {
		d.halt(syscall.SIGKILL, time.Second)
		if bytes.Contains(logSince(p.LogFile, offset), []byte("Address already in use")) {
			return errAddrInUse
		}
		return err
	}
	p.proc = d
	return nil
}

// waitReady polls postmaster.pid until it names this process and says
// "ready" (or "standby" for a hot standby).
func waitReady(d *daemon, dataDir string) error {
	pid := strconv.Itoa(d.cmd.Process.Pid)
	pidFile := filepath.Join(dataDir, "postmaster.pid")
	ready := waitFor(60*time.Second, func() bool {
		if d.exited() {
			return true
		}
		b, _ := os.ReadFile(pidFile)
		lines := strings.Split(string(b), "\n")
		return len(lines) > 7 && lines[0] == pid &&
			slices.Contains([]string{"ready", "standby"}, strings.TrimSpace(lines[7]))
	})
	switch {
	case d.exited():
		return fmt.Errorf("postgres exited: %v", d.cmd.ProcessState)
	case !ready:
		return errors.New("postgres not ready after 60s")
	}
	return nil
}

// Stop shuts the server down in fast mode (a clean shutdown with a
// checkpoint) and waits for it. Stopping a stopped server does nothing.
func (p *Postgres) Stop(t testing.TB) {
	t.Helper()
	if p.proc == nil {
		return
	}
	clean := p.proc.halt(syscall.SIGINT, 60*time.Second)
	p.proc = nil
	if !clean {
		t.Fatalf("pgtest: PostgreSQL did not stop within 60s: killed")
	}
}

// Start starts a stopped server again, on the same port.
func (p *Postgres) Start(t testing.TB) {
	t.Helper()
	if p.proc != nil {
		t.Fatalf("pgtest: PostgreSQL is already running")
	}
	err := p.launch()
	for i := 0; err == errAddrInUse && i < 25; i++ {
		time.Sleep(200 * time.Millisecond)
		err = p.launch()
	}
	if err != nil {
		t.Fatalf("pgtest: starting PostgreSQL: %v\n%s", err, tail(p.LogFile, 20))
	}
}

// Restart stops the server (fast mode) and starts it again on the same port.
func (p *Postgres) Restart(t testing.TB) {
	t.Helper()
	p.Stop(t)
	p.Start(t)
}

// Reload makes the server re-read its configuration (SIGHUP) and waits
// until the postmaster has done so: connections opened after Reload
// returns see the new settings.
func (p *Postgres) Reload(t testing.TB) {
	t.Helper()
	if p.proc == nil {
		t.Fatalf("pgtest: Reload: PostgreSQL is not running")
	}
	const q = "SELECT pg_conf_load_time()"
	before := p.SQL(t, q)
	_ = p.proc.cmd.Process.Signal(syscall.SIGHUP)
	if !waitFor(10*time.Second, func() bool { now, err := p.Query(q); return err == nil && now != before }) {
		t.Fatalf("pgtest: PostgreSQL did not reload its configuration within 10s")
	}
}
