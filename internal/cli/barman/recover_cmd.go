package barman

import (
	"fmt"
	"github.com/gobarman/barman/pkg/server"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/walname"
)

// RecoverCmd is `barman recover SERVER BACKUP_ID DESTINATION_DIRECTORY`
// (alias restore).
type RecoverCmd struct {
	TargetTime      string   `name:"target-time" placeholder:"TIMESTAMP" help:"Recover up to this time (with a zone, or the local one)."`
	TargetXID       string   `name:"target-xid" placeholder:"XID" help:"Recover up to the end of this transaction."`
	TargetLSN       string   `name:"target-lsn" placeholder:"LSN" help:"Recover up to this WAL position (X/Y)."`
	TargetName      string   `name:"target-name" placeholder:"NAME" help:"Recover up to this restore point (pg_create_restore_point)."`
	TargetImmediate bool     `name:"target-immediate" help:"Stop as soon as the backup is consistent."`
	Exclusive       bool     `help:"Stop just before the target instead of just after it."`
	TargetTLI       string   `name:"target-tli" placeholder:"TLI" help:"Timeline to follow: a number, current or latest."`
	TargetAction    string   `name:"target-action" enum:",pause,promote,shutdown" default:"" help:"What PostgreSQL does at the target: pause, promote or shutdown."`
	StandbyMode     bool     `name:"standby-mode" help:"Start the recovered server as a standby (standby.signal)."`
	Tablespace      []string `name:"tablespace" placeholder:"NAME:LOCATION" help:"Recover tablespace NAME into LOCATION (repeatable)."`
	RemoteSSH       string   `name:"remote-ssh-command" placeholder:"COMMAND" help:"Recover on another host through this SSH command, e.g. \"ssh postgres@pg2\"."`
	GetWAL          bool     `name:"get-wal" help:"Fetch WAL on demand with barman get-wal in restore_command instead of copying it."`
	NoGetWAL        bool     `name:"no-get-wal" help:"Copy the WAL recovery needs (the default, unless recovery_options has get-wal)."`
	Delta           bool     `name:"delta-restore" help:"Reuse the destination's files that match the backup; remove what the backup does not have."`
	NoDelta         bool     `name:"no-delta-restore" help:"Refuse a non-empty destination (the default)."`
	Jobs            int      `short:"j" name:"jobs" default:"0" help:"Parallel copies (default: parallel_jobs, at least the number of CPUs)."`
	StagingWALDir   string   `name:"staging-wal-directory" placeholder:"DIR" help:"Where the WAL for a point-in-time recovery goes (default DEST/barman_wal)."`
	RecoveryConf    string   `name:"recovery-conf-filename" placeholder:"FILE" help:"File that receives the recovery settings (default postgresql.auto.conf)."`
	RetryTimes      int      `name:"retry-times" help:"Accepted for compatibility."`
	RetrySleep      int      `name:"retry-sleep" help:"Accepted for compatibility."`
	NoRetry         bool     `name:"no-retry" help:"Accepted for compatibility."`
	Bwlimit         int      `name:"bwlimit" placeholder:"KBPS" help:"Limit the copy to KBPS kilobytes per second (default: bandwidth_limit; 0: no limit)."`
	NetCompression  bool     `name:"network-compression" help:"Compress what goes through ssh (default: network_compression)."`
	NoNetCompress   bool     `name:"no-network-compression" help:"Do not compress what goes through ssh."`

	Server string `arg:"" help:"Server name."`
	Backup string `arg:"" name:"backup_id" help:"Backup ID, latest/last, oldest/first, a backup name, or auto (the newest backup ending before --target-time/--target-lsn)."`
	Dest   string `arg:"" name:"destination_directory" help:"Directory to recover into (on the remote host with --remote-ssh-command)."`
}

// target parses and checks the target options.
func (c *RecoverCmd) target() (recovery.Target, []string, error) {
	var t recovery.Target
	var warnings []string
	set := []string{}
	if c.TargetTime != "" {
		tm, naive, err := recovery.ParseTime(c.TargetTime, time.Local)
		if err != nil {
			return t, nil, err
		}
		if naive {
			warnings = append(warnings, fmt.Sprintf("--target-time %q has no time zone: taken as %s (the zone of this host)", c.TargetTime, recovery.FormatTime(tm)))
		}
		t.Time = tm
		set = append(set, "--target-time")
	}
	if c.TargetXID != "" {
		x, err := recovery.ParseXID(c.TargetXID)
		if err != nil {
			return t, nil, err
		}
		t.XID = x
		set = append(set, "--target-xid")
	}
	if c.TargetLSN != "" {
		l, err := walname.ParseLSN(c.TargetLSN)
		if err != nil {
			return t, nil, fmt.Errorf("--target-lsn: %w", err)
		}
		t.LSN, t.HasLSN = l, true
		set = append(set, "--target-lsn")
	}
	if c.TargetName != "" {
		t.Name = c.TargetName
		set = append(set, "--target-name")
	}
	if c.TargetImmediate {
		t.Immediate = true
		set = append(set, "--target-immediate")
	}
	if len(set) > 1 {
		return t, nil, fmt.Errorf("%s cannot be used together: give one recovery target", strings.Join(set, " and "))
	}
	tli, err := recovery.ParseTLI(c.TargetTLI)
	if err != nil {
		return t, nil, err
	}
	t.TLI = tli
	t.Exclusive = c.Exclusive
	if c.Exclusive && (len(set) == 0 || t.Immediate || t.Name != "") {
		return t, nil, fmt.Errorf("--exclusive needs --target-time, --target-xid or --target-lsn")
	}
	t.Action = c.TargetAction
	if t.Action != "" && len(set) == 0 {
		return t, nil, fmt.Errorf("--target-action needs a recovery target (--target-time, --target-xid, --target-lsn, --target-name or --target-immediate)")
	}
	if t.Action == "" && len(set) > 0 {
		t.Action = "pause" // PostgreSQL's default; written so the DBA sees it
	}
	return t, warnings, nil
}

// useGetWAL says whether restore_command calls barman get-wal.
func (c *RecoverCmd) useGetWAL(recoveryOptions string) bool {
	switch {
	case c.GetWAL:
		return true
	case c.NoGetWAL:
		return false
	}
	return hasOption(recoveryOptions, "get-wal")
}

func (c *RecoverCmd) useDelta(recoveryOptions string) bool {
	switch {
	case c.Delta:
		return true
	case c.NoDelta:
		return false
	}
	return hasOption(recoveryOptions, "delta-restore")
}

func hasOption(csv, opt string) bool {
	for _, o := range strings.Split(csv, ",") {
		if strings.TrimSpace(o) == opt {
			return true
		}
	}
	return false
}

// relocations parses --tablespace NAME:LOCATION.
func (c *RecoverCmd) relocations() (map[string]string, error) {
	out := map[string]string{}
	for _, t := range c.Tablespace {
		name, loc, ok := strings.Cut(t, ":")
		if !ok || name == "" || !strings.HasPrefix(loc, "/") {
			return nil, fmt.Errorf("--tablespace %q: want NAME:LOCATION with an absolute LOCATION", t)
		}
		out[name] = loc
	}
	return out, nil
}

// bwlimit is the copy's limit in kilobytes per second (0: none).
func (c *RecoverCmd) bwlimit(s *server.Server) int {
	if c.Bwlimit > 0 {
		return c.Bwlimit
	}
	return s.Backup.BandwidthLimit
}

// networkCompression says whether ssh compresses the remote copy.
func (c *RecoverCmd) networkCompression(s *server.Server) bool {
	switch {
	case c.NoNetCompress:
		return false
	case c.NetCompression:
		return true
	}
	return s.Backup.NetworkCompression
}
