package recoverjob

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/recovery"
	"github.com/gobarman/barman/pkg/server"
	"github.com/gobarman/barman/pkg/walname"
)

// Options are the choices of one recovery: barman recover's command line.
type Options struct {
	BackupID string // a backup ID, latest/last, oldest/first, a backup name, or auto
	Dest     string // the destination directory (on the remote host with RemoteSSH)
	Target   Target

	StandbyMode bool              // start the recovered server as a standby
	Relocate    map[string]string // tablespace name → location (--tablespace)
	RemoteSSH   string            // the SSH command to the destination host; "" recovers locally

	GetWAL             *bool // fetch WAL on demand with get-wal; nil: as recovery_options says
	Delta              *bool // reuse the destination's matching files; nil: as recovery_options says
	NetworkCompression *bool // compress through ssh; nil: network_compression

	Jobs             int    // parallel copies; 0: parallel_jobs, at least min(CPUs, 4)
	Bwlimit          int    // KiB/s for the copy; 0: bandwidth_limit
	StagingWALDir    string // where the WAL of a point-in-time recovery goes; "": DEST/barman_wal
	RecoveryConfFile string // the file that gets the recovery settings; "": postgresql.auto.conf

	// BarmanPath is how the recovered server runs barman in a get-wal
	// restore_command; "" means barman on its PATH.
	BarmanPath string
	// ArchiveFirst, if set, archives the WAL files waiting in incoming/
	// and streaming/ before the catalogue is read, as Barman does; its
	// failure is a warning.
	ArchiveFirst func(ctx context.Context) error
	// Progress, if set, is called as the copy starts with a function
	// giving the bytes copied and the bytes to copy; the function it
	// returns is called when the copy ends.
	Progress func(poll func() (done, total int64)) (stop func())
}

// Target is the recovery target as given: at most one of Time, XID,
// LSN, Name and Immediate.
type Target struct {
	Time      string // a timestamp, with a zone or in the local one
	XID       string
	LSN       string // X/Y
	Name      string // a restore point
	Immediate bool   // stop as soon as the backup is consistent
	Exclusive bool   // stop just before the target
	TLI       string // a number, current or latest
	Action    string // pause, promote or shutdown; "": pause when there is a target
}

// Parse checks the target and returns it, with warnings for the user
// (a time without a zone). Its errors are *TargetError.
func (t Target) Parse() (recovery.Target, []string, error) {
	rt, warnings, err := t.parse()
	if err != nil {
		return rt, nil, &TargetError{Err: err}
	}
	return rt, warnings, nil
}

func (t Target) parse() (recovery.Target, []string, error) {
	var rt recovery.Target
	var warnings []string
	set := []string{}
	if t.Time != "" {
		tm, naive, err := recovery.ParseTime(t.Time, time.Local)
		if err != nil {
			return rt, nil, err
		}
		if naive {
			warnings = append(warnings, fmt.Sprintf("--target-time %q has no time zone: taken as %s (the zone of this host)", t.Time, recovery.FormatTime(tm)))
		}
		rt.Time = tm
		set = append(set, "--target-time")
	}
	if t.XID != "" {
		x, err := recovery.ParseXID(t.XID)
		if err != nil {
			return rt, nil, err
		}
		rt.XID = x
		set = append(set, "--target-xid")
	}
	if t.LSN != "" {
		l, err := walname.ParseLSN(t.LSN)
		if err != nil {
			return rt, nil, fmt.Errorf("--target-lsn: %w", err)
		}
		rt.LSN, rt.HasLSN = l, true
		set = append(set, "--target-lsn")
	}
	if t.Name != "" {
		rt.Name = t.Name
		set = append(set, "--target-name")
	}
	if t.Immediate {
		rt.Immediate = true
		set = append(set, "--target-immediate")
	}
	if len(set) > 1 {
		return rt, nil, fmt.Errorf("%s cannot be used together: give one recovery target", strings.Join(set, " and "))
	}
	tli, err := recovery.ParseTLI(t.TLI)
	if err != nil {
		return rt, nil, err
	}
	rt.TLI = tli
	rt.Exclusive = t.Exclusive
	if t.Exclusive && (len(set) == 0 || rt.Immediate || rt.Name != "") {
		return rt, nil, fmt.Errorf("--exclusive needs --target-time, --target-xid or --target-lsn")
	}
	rt.Action = t.Action
	if rt.Action != "" && len(set) == 0 {
		return rt, nil, fmt.Errorf("--target-action needs a recovery target (--target-time, --target-xid, --target-lsn, --target-name or --target-immediate)")
	}
	if rt.Action == "" && len(set) > 0 {
		rt.Action = "pause" // PostgreSQL's default; written so the DBA sees it
	}
	return rt, warnings, nil
}

// ParseRelocation parses a tablespace relocation NAME:LOCATION
// (--tablespace); LOCATION must be absolute.
func ParseRelocation(s string) (name, location string, err error) {
	name, location, ok := strings.Cut(s, ":")
	if !ok || name == "" || !strings.HasPrefix(location, "/") {
		return "", "", fmt.Errorf("--tablespace %q: want NAME:LOCATION with an absolute LOCATION", s)
	}
	return name, location, nil
}

// settings are the options once the server's configuration filled in
// what the command line left out.
type settings struct {
	getWAL, delta, compress bool
	jobs, bwlimit           int
}

func (o *Options) settings(s *server.Server) settings {
	opts := s.Recovery.Options
	st := settings{
		getWAL:   choose(o.GetWAL, hasOption(opts, "get-wal")),
		delta:    choose(o.Delta, hasOption(opts, "delta-restore")),
		compress: choose(o.NetworkCompression, s.Backup.NetworkCompression),
		jobs:     o.Jobs,
		bwlimit:  o.Bwlimit,
	}
	if st.jobs <= 0 {
		st.jobs = max(s.Recovery.ParallelJobs, min(runtime.NumCPU(), 4))
	}
	if st.bwlimit <= 0 {
		st.bwlimit = s.Backup.BandwidthLimit
	}
	return st
}

// choose is the command line's choice if it made one, else def.
func choose(given *bool, def bool) bool {
	if given != nil {
		return *given
	}
	return def
}

// hasOption says whether the comma-separated list csv has opt.
func hasOption(csv, opt string) bool {
	for _, o := range strings.Split(csv, ",") {
		if strings.TrimSpace(o) == opt {
			return true
		}
	}
	return false
}
