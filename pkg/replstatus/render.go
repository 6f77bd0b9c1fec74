package replstatus

import (
	"fmt"

	"github.com/gobarman/barman/pkg/backups"
)

// Lines renders the report as Barman's console output for server name.
func Lines(name string, r *Report, minimal bool) []string {
	title := r.Target.Title()
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	switch {
	case minimal && r.ServerLSN != "":
		add("%s for master '%s' (LSN @ %s):", capitalize(title), name, r.ServerLSN)
	case minimal:
		add("%s for slave '%s':", capitalize(title), name)
	default:
		add("Status of %s for server '%s':", title, name)
		if r.ServerLSN != "" {
			add("  Current LSN on master: %s", r.ServerLSN)
		}
	}
	if len(r.Clients) == 0 {
		add("  No %s attached", title)
		return out
	}
	if minimal {
		for i, c := range r.Clients {
			if !c.IsStandby() {
				add("  %d. W) %s@%s S:%s W:%s P:%d AN:%s", i+1, c.UserName, addr(c), none(c.SentLSN), none(c.WriteLSN), c.SyncPriority, c.ApplicationName)
			} else {
				add("  %d. %s) %s@%s S:%s F:%s R:%s P:%d AN:%s", i+1, syncLetter(c), c.UserName, addr(c), none(c.SentLSN), none(c.FlushLSN), none(c.ReplayLSN), c.SyncPriority, c.ApplicationName)
			}
		}
		return out
	}
	add("  Number of %s: %d", title, len(r.Clients))
	for i, c := range r.Clients {
		add("")
		add("  %d. %s", i+1, c.Name())
		add("     Application name: %s", c.ApplicationName)
		add("     Sync stage      : %s", c.SyncStage())
		if c.ClientAddr != "" {
			add("     Communication   : TCP/IP")
			add("     IP Address      : %s / Port: %d / Host: %s", c.ClientAddr, c.ClientPort, dash(c.ClientHostname))
		} else {
			add("     Communication   : Unix domain socket")
		}
		add("     User name       : %s", c.UserName)
		add("     Current state   : %s (%s)", c.State, c.SyncState)
		if c.SlotName != "" {
			add("     Replication slot: %s", c.SlotName)
		}
		add("     WAL sender PID  : %d", c.PID)
		add("     Started at      : %s", Timestamp(c))
		if c.BackendXmin != "" {
			add("     Standby's xmin  : %s", c.BackendXmin)
		}
		for _, p := range positions(c) {
			add("     %-10s : %s (diff: %s)", p.label, p.lsn, backups.PrettySize(float64(p.diff)))
		}
	}
	return out
}

// position is one of a client's LSNs and its distance to the server's.
type position struct {
	key, label, lsn string
	diff            int64
}

// positions are the client's known LSNs, in Barman's order.
func positions(c Client) []position {
	var out []position
	for _, p := range []position{{"sent", "Sent LSN", c.SentLSN, 0}, {"write", "Write LSN", c.WriteLSN, 0},
		{"flush", "Flush LSN", c.FlushLSN, 0}, {"replay", "Replay LSN", c.ReplayLSN, 0}} {
		if p.lsn == "" {
			continue
		}
		p.diff, _ = c.Diff(p.lsn)
		out = append(out, p)
	}
	return out
}

// JSON renders the report as Barman's JSON output for one server.
func JSON(r *Report, minimal bool) map[string]any {
	title := mangle(r.Target.Title())
	doc := map[string]any{title: []any{}, "server_lsn": nullable(r.ServerLSN)}
	if len(r.Clients) == 0 {
		doc["standby_info"] = fmt.Sprintf("No %s attached", r.Target.Title())
		return doc
	}
	list := make([]any, 0, len(r.Clients))
	for _, c := range r.Clients {
		if minimal {
			list = append(list, minimalJSON(c))
		} else {
			list = append(list, fullJSON(c))
		}
	}
	doc[title] = list
	return doc
}

func minimalJSON(c Client) map[string]any {
	m := map[string]any{"user_name": c.UserName, "client_addr": addr(c), "sent_lsn": nullable(c.SentLSN),
		"sync_priority": c.SyncPriority, "application_name": c.ApplicationName}
	if !c.IsStandby() {
		m["write_lsn"] = nullable(c.WriteLSN)
		return m
	}
	m["sync_state"] = syncLetter(c)
	m["flush_lsn"] = nullable(c.FlushLSN)
	m["replay_lsn"] = nullable(c.ReplayLSN)
	return m
}

func fullJSON(c Client) map[string]any {
	m := map[string]any{"name": c.Name(), "application_name": c.ApplicationName, "sync_stage": c.SyncStage(),
		"user_name": c.UserName, "current_state": c.State, "current_sync_state": c.SyncState,
		"wal_sender_pid": c.PID, "started_at": Timestamp(c)}
	if c.ClientAddr != "" {
		m["communication"] = "TCP/IP"
		m["ip_address"] = c.ClientAddr
		m["port"] = c.ClientPort
		m["host"] = nullable(c.ClientHostname)
	} else {
		m["communication"] = "Unix domain socket"
	}
	if c.SlotName != "" {
		m["replication_slot"] = c.SlotName
	}
	if c.BackendXmin != "" {
		m["standbys_xmin"] = c.BackendXmin
	}
	for _, p := range positions(c) {
		m[p.key+"_lsn"] = p.lsn
		m[p.key+"_lsn_diff"] = backups.PrettySize(float64(p.diff))
		m[p.key+"_lsn_diff_bytes"] = p.diff
	}
	return m
}

// Timestamp is the client's start time as Python prints a datetime with
// time zone: microseconds only when not zero.
func Timestamp(c Client) string {
	t := c.BackendStart
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02 15:04:05-07:00")
	}
	return t.Format("2006-01-02 15:04:05.000000-07:00")
}

func addr(c Client) string {
	if c.ClientAddr == "" {
		return "socket"
	}
	return c.ClientAddr
}

// syncLetter is the first letter of the sync state, upper-cased.
func syncLetter(c Client) string {
	if c.SyncState == "" {
		return ""
	}
	return capitalize(c.SyncState[:1])
}

// none prints an unknown LSN as Python prints None.
func none(s string) string {
	if s == "" {
		return "None"
	}
	return s
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// mangle is Barman's JSON key of a title: lower case, "_" for spaces and
// dashes, no dots.
func mangle(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b == ' ' || b == '-':
			out = append(out, '_')
		case b == '.':
		case b >= 'A' && b <= 'Z':
			out = append(out, b+'a'-'A')
		default:
			out = append(out, b)
		}
	}
	return string(out)
}
