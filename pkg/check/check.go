package check

import (
	"context"
	"github.com/gobarman/barman/pkg/server"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
)

// Result is the outcome of one check.
type Result struct {
	Name     string
	OK       bool
	Hint     string
	Critical bool // a failure blocks a backup
}

// Status renders "OK" or "FAILED".
func (r Result) Status() string {
	if r.OK {
		return "OK"
	}
	return "FAILED"
}

// Input is what the checks look at for one server.
type Input struct {
	Config *config.Config
	Server *server.Server
	// Status is the live server status, nil if the connection failed;
	// ConnErr says why.
	Status  *postgres.Status
	ConnErr error
	// Catalogue is what the catalogue holds for the server.
	Catalogue *Catalogue
	// Streaming is the state of the replication connection, slot and
	// receive-wal (ReadStreaming); nil for a server that uses none.
	Streaming *Streaming
	// Now is the current time (time.Now when nil), for tests.
	Now func() time.Time
}

func (in Input) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

type checker struct {
	in  Input
	out []Result
}

func (c *checker) add(name string, ok bool, hint string, critical bool) {
	c.out = append(c.out, Result{Name: name, OK: ok, Hint: hint, Critical: critical})
}

func (c *checker) pass(name, hint string)                 { c.add(name, true, hint, true) }
func (c *checker) fail(name, hint string)                 { c.add(name, false, hint, true) }
func (c *checker) soft(name string, ok bool, hint string) { c.add(name, ok, hint, false) }

// Run runs every check for one server.
func Run(ctx context.Context, in Input) []Result {
	c := &checker{in: in}
	c.postgres()
	c.directories()
	c.catalogue()
	c.ssh(ctx)
	c.systemID()
	c.archiving()
	c.configuration()
	return c.out
}

// Failed reports whether any result failed; critical limits it to the
// checks that block a backup.
func Failed(results []Result, criticalOnly bool) bool {
	for _, r := range results {
		if !r.OK && (r.Critical || !criticalOnly) {
			return true
		}
	}
	return false
}

// JSONName is the check's key in JSON output, as Barman mangles it: lower
// case, "_" for spaces and dashes, no dots ("receive_wal_running").
func JSONName(name string) string {
	return strings.NewReplacer(" ", "_", "-", "_", ".", "").Replace(strings.ToLower(name))
}
