package check

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/server"
)

// ReadCatalogue reads what the checks need from the server's catalogue.
func ReadCatalogue(s *server.Server) *Catalogue {
	l := s.Layout
	c := &Catalogue{WALs: map[string]bool{}, Errors: map[string]int{}}
	backups, err := l.ListBackups()
	c.Err = errors.Join(c.Err, err)
	for _, b := range backups {
		end, _ := b.EndTime()
		size, _ := b.Size()
		c.Backups = append(c.Backups, Backup{ID: b.ID, Status: string(b.Status()), SystemID: b.SystemID(), EndTime: end, Size: size})
	}
	if id, err := l.ReadIdentity(); err == nil && id.SystemID != "" {
		c.SystemID, c.SystemIDFrom = id.SystemID, l.IdentityPath()
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.Err = errors.Join(c.Err, err)
	}
	entries, err := l.ReadXlogDB()
	c.Err = errors.Join(c.Err, err)
	for _, e := range entries {
		c.WALs[e.Name] = true
	}
	for _, dir := range []string{l.IncomingDir(), l.StreamingDir()} {
		for _, name := range fileNames(dir) {
			c.WALs[strings.TrimSuffix(name, ".partial")] = true
			if strings.HasSuffix(name, ".partial") || strings.HasSuffix(name, ".tmp") {
				continue
			}
			if dir == l.IncomingDir() {
				c.Incoming++
			} else {
				c.Streaming++
			}
		}
	}
	for _, name := range fileNames(l.ErrorsDir()) {
		c.Errors[name[strings.LastIndexByte(name, '.')+1:]]++
	}
	return c
}

// fileNames lists the regular files of dir (none if it does not exist).
func fileNames(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names
}

// ReadStreaming gathers what the streaming checks need: IDENTIFY_SYSTEM
// on the replication connection (for backup_method = postgres and for
// streaming_archiver), the replication slot (when slot_name is set) and
// whether receive-wal runs (for streaming_archiver). Nil for a server
// that uses none of them.
func ReadStreaming(ctx context.Context, s *server.Server) *Streaming {
	replication, slot := s.UsesReplication(), s.Streaming.Slot != ""
	if !replication && !slot {
		return nil
	}
	st := &Streaming{}
	if replication {
		var conninfo string
		conninfo, st.Conninfo = s.ReplicationSource()
		if conninfo == "" {
			// An empty string would reach libpq's defaults instead.
			st.Err = fmt.Errorf("%s is not set for server %q", st.Conninfo, s.Name)
		} else {
			st.Identity, st.Err = postgres.IdentifyOf(ctx, conninfo, "barman", s.CheckTimeout)
		}
	}
	if slot {
		if s.Streaming.WALConninfo == "" {
			st.SlotErr = fmt.Errorf("conninfo is not set for server %q", s.Name)
		} else {
			st.Slot, st.SlotErr = postgres.SlotOf(ctx, s.Streaming.WALConninfo, s.Streaming.Slot, s.CheckTimeout)
		}
	}
	if s.Streaming.Archiver {
		st.ReceiveWALPID, st.ReceiveWAL, st.ReceiveWALErr = lock.Held(s.ReceiveWALLock())
	}
	return st
}
