package check

import (
	"errors"
	"fmt"
	"strings"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/server"
	"github.com/gobarman/barman/pkg/walname"
	"github.com/jackc/pgx/v5/pgconn"
)

// Streaming is what the checks of WAL streaming look at: the replication
// connection, the replication slot and the receive-wal process.
type Streaming struct {
	// Identity is IDENTIFY_SYSTEM's answer on the replication connection;
	// nil when the connection failed, and Err says why.
	Identity *postgres.Identity
	Err      error
	// Conninfo names the option the replication connection came from
	// (streaming_conninfo, ...), for the hints.
	Conninfo string
	// Slot is the replication slot called slot_name, nil when it does not
	// exist; SlotErr says why it could not be read.
	Slot    *postgres.Slot
	SlotErr error
	// ReceiveWAL says whether a receive-wal process holds the server's
	// receive-wal lock, and its pid.
	ReceiveWAL    bool
	ReceiveWALPID int
	ReceiveWALErr error
}

// streamingConnection is Barman's "PostgreSQL streaming": a replication
// connection works. Shown for backup_method = postgres and for
// streaming_archiver = on.
func (c *checker) streamingConnection() {
	st := c.in.Streaming
	if st == nil {
		return
	}
	if st.Identity != nil {
		c.pass("PostgreSQL streaming", "")
		return
	}
	c.fail("PostgreSQL streaming", streamingHint(st, c.in.Status))
}

// streamingHint turns a failed replication connection into what to do.
func streamingHint(st *Streaming, status *postgres.Status) string {
	if st.Err == nil {
		return "no replication connection: set streaming_conninfo"
	}
	msg := oneLine(st.Err.Error())
	if status != nil && status.MaxWalSenders == 0 {
		return msg + "; max_wal_senders is 0: set it to at least 2 in postgresql.conf and restart PostgreSQL"
	}
	var pgErr *pgconn.PgError
	if !errors.As(st.Err, &pgErr) {
		return fmt.Sprintf("%s; check host and port in %s and that PostgreSQL is running and accepts TCP connections", msg, st.Conninfo)
	}
	switch {
	case pgErr.Code == "28P01":
		return fmt.Sprintf("%s; check the user and password in %s or ~/.pgpass", msg, st.Conninfo)
	case pgErr.Code == "28000" && strings.Contains(pgErr.Message, "replication"):
		return msg + "; add a 'host replication <user> <barman address>/32 scram-sha-256' line to pg_hba.conf and reload PostgreSQL"
	case pgErr.Code == "42501" || pgErr.Code == "28000" && strings.Contains(pgErr.Message, "REPLICATION"):
		return msg + "; give the role the REPLICATION attribute (ALTER ROLE <user> REPLICATION) or use a superuser"
	case pgErr.Code == "53300" && strings.Contains(pgErr.Message, "max_wal_senders"):
		return msg + "; every WAL sender is in use: raise max_wal_senders in postgresql.conf and restart PostgreSQL"
	}
	return msg
}

// replicationSlot is Barman's "replication slot" check, shown when
// slot_name is set.
func (c *checker) replicationSlot() {
	s, st := c.in.Server, c.in.Streaming
	if s.Streaming.Slot == "" || st == nil || c.in.Status == nil {
		return
	}
	name, slot := s.Streaming.Slot, st.Slot
	if st.SlotErr != nil {
		c.fail("replication slot", fmt.Sprintf("%s: check that the user of %s can read pg_replication_slots", oneLine(st.SlotErr.Error()), walConninfoKey(s)))
		return
	}
	if !s.Streaming.Archiver {
		// As Barman: a slot nobody needs is only a warning.
		if slot != nil && slot.RestartLSN != "" {
			state := "initialised"
			if slot.Active {
				state = "active"
			}
			c.pass("replication slot", fmt.Sprintf("WARNING: slot '%s' is %s but not required by the current config", name, state))
		}
		return
	}
	switch {
	case slot == nil:
		hint := fmt.Sprintf("replication slot '%s' doesn't exist. Please execute 'barman receive-wal --create-slot %s'", name, s.Name)
		if s.Streaming.CreateSlot == server.CreateSlotAuto {
			hint += " (or let 'barman cron' create it: create_slot = auto)"
		}
		c.fail("replication slot", hint)
	case slot.Type != "physical":
		c.fail("replication slot", fmt.Sprintf("replication slot '%s' is a %s slot: barman needs a physical one; drop it, then run 'barman receive-wal --create-slot %s'", name, slot.Type, s.Name))
	case slot.RestartLSN == "":
		c.fail("replication slot", fmt.Sprintf("slot '%s' not initialised: is 'receive-wal' running?", name))
	case slot.WALStatus == "lost":
		c.fail("replication slot", fmt.Sprintf("slot '%s' has lost WAL that barman had not received (max_slot_wal_keep_size): run 'barman receive-wal --reset %s', then take a new backup", name, s.Name))
	default:
		if gap := c.slotGap(slot); gap != "" {
			c.fail("replication slot", gap)
			return
		}
		if !slot.Active {
			c.fail("replication slot", fmt.Sprintf("slot '%s' not active: is 'receive-wal' running?", name))
			return
		}
		c.pass("replication slot", "")
	}
}

// slotGap says whether the slot starts after the WAL barman has: the
// segments in between were never streamed (the slot was dropped and
// created again, or pointed at another server), and receive-wal cannot
// get them any more.
func (c *checker) slotGap(slot *postgres.Slot) string {
	size := uint64(c.in.Status.WalSegmentSize)
	restart, err := walname.ParseLSN(slot.RestartLSN)
	if err != nil || walname.CheckSegmentSize(size) != nil || c.in.Catalogue == nil {
		return ""
	}
	newest, ok := newestSegment(c.in.Catalogue.WALs, size)
	if !ok {
		return ""
	}
	newestEnd, _ := newest.StartLSN(size)
	next := uint64(newestEnd) + size
	if uint64(restart) <= next {
		return ""
	}
	name := c.in.Server.Streaming.Slot
	return fmt.Sprintf("slot '%s' restarts at %s, after the newest WAL barman has (%s): the WAL in between was never streamed (was the slot re-created?); run 'barman receive-wal --reset %s', then take a new backup", name, slot.RestartLSN, newest, c.in.Server.Name)
}

// newestSegment is the segment furthest in the WAL among names (any
// timeline).
func newestSegment(names map[string]bool, size uint64) (walname.Name, bool) {
	var best walname.Name
	var bestLSN walname.LSN
	found := false
	for n := range names {
		w, err := walname.Parse(n)
		if err != nil || w.Kind == walname.History {
			continue
		}
		lsn, err := w.Segment().StartLSN(size)
		if err != nil {
			continue
		}
		if !found || lsn > bestLSN {
			best, bestLSN, found = w.Segment(), lsn, true
		}
	}
	return best, found
}

// receiveWAL is Barman's StreamingWalArchiver check: pg_receivexlog is
// installed and compatible (the receiver is built into barman, so both
// pass), and receive-wal is running.
func (c *checker) receiveWAL() {
	st := c.in.Streaming
	c.pass("pg_receivexlog", "")
	c.pass("pg_receivexlog compatible", "")
	lockFile := c.in.Server.ReceiveWALLock()
	switch {
	case st == nil:
		return
	case st.ReceiveWALErr != nil:
		c.fail("receive-wal running", fmt.Sprintf("%s: make %s readable by the user barman runs as", oneLine(st.ReceiveWALErr.Error()), lockFile))
	case st.ReceiveWAL:
		c.pass("receive-wal running", "")
	default:
		c.fail("receive-wal running", fmt.Sprintf("no receive-wal process holds %s: 'barman cron' starts it (run cron every minute), or run 'barman receive-wal %s'; see the barman log file for why it stopped", lockFile, c.in.Server.Name))
	}
}

// queues is Barman's "empty incoming directory" / "empty streaming
// directory": a directory of an archiver that is off must be empty (its
// files would never be archived). Shown only when it fails.
func (c *checker) queues(cat *Catalogue) {
	s := c.in.Server
	if !s.WAL.Archiver && cat.Incoming > 0 {
		c.fail("empty incoming directory", fmt.Sprintf("'%s' must be empty when archiver=off", s.Layout.IncomingDir()))
	}
	if !s.Streaming.Archiver && cat.Streaming > 0 {
		c.fail("empty streaming directory", fmt.Sprintf("'%s' must be empty when streaming_archiver=off", s.Streaming.Dir))
	}
}

// walConninfoKey names the option the slot is read through.
func walConninfoKey(s *server.Server) string {
	for _, k := range []string{"wal_conninfo", "wal_streaming_conninfo"} {
		if s.Section.Get(k) != "" {
			return k
		}
	}
	return "conninfo"
}
