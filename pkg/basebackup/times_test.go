package basebackup

import (
	"context"
	"io"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/stream"
)

// TestBackupTimesFromServerClock: with the barman host's clock five hours
// ahead, both methods take a backup's begin and end times from the
// server's clock (between two readings of it taken around the backup), in
// the server's time zone (Asia/Kathmandu, +05:45), as Barman writes them.
func TestBackupTimesFromServerClock(t *testing.T) {
	hostClock = func() time.Time { return time.Now().Add(5 * time.Hour) }
	t.Cleanup(func() { hostClock = time.Now })
	pg := pgtest.StartPostgres(t, pgtest.Options{Settings: map[string]string{"timezone": "Asia/Kathmandu"}})
	sshd := pgtest.StartSSHD(t)
	ssh, err := sshcmd.Parse(sshd.ToPostgres(pg))
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]func(CopyOptions, *Sink) (*Result, error){
		"postgres": func(opt CopyOptions, sink *Sink) (*Result, error) { return StreamCopy(context.Background(), opt, sink) },
		"rsync": func(opt CopyOptions, sink *Sink) (*Result, error) {
			opt.Remote = &Remote{SSH: ssh}
			return CopyBackup(context.Background(), opt, sink)
		},
	}
	for name, backup := range methods {
		t.Run(name, func(t *testing.T) {
			sink := &Sink{Dir: filepath.Join(pgtest.TempDir(t), "b"), Records: stream.NewWriter(io.Discard)}
			before := serverClock(t, pg)
			res, err := backup(CopyOptions{Conninfo: pg.ConnInfo(), Label: "barman test", Fast: true}, sink)
			if err != nil {
				t.Fatal(err)
			}
			after := serverClock(t, pg)
			for _, p := range []struct {
				what string
				at   time.Time
			}{{"begin", res.Start.Time}, {"end", res.End.Time}} {
				if p.at.Before(before) || p.at.After(after) {
					t.Errorf("%s time %s is not the server's: the server's clock read %s before the backup and %s after it",
						p.what, p.at, before, after)
				}
				if _, off := p.at.Zone(); off != 5*3600+45*60 {
					t.Errorf("%s time %s is not in the server's time zone (+05:45)", p.what, p.at)
				}
			}
			if res.End.Time.Before(res.Start.Time) {
				t.Errorf("end %s before begin %s", res.End.Time, res.Start.Time)
			}
		})
	}
}

// serverClock reads the server's clock, to the microsecond.
func serverClock(t *testing.T, pg *pgtest.Postgres) time.Time {
	t.Helper()
	us, err := strconv.ParseInt(pg.SQL(t, "SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return time.UnixMicro(us)
}
