package basebackup

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/gobarman/barman/pkg/walname"
)

// Tablespace is a tablespace of the server.
type Tablespace struct {
	Name     string
	OID      uint32
	Location string
}

// Meta is what is read from the server before the copy.
type Meta struct {
	PGData, ConfigFile, HBAFile, IdentFile string
	Version                                int // server_version_num
	SegmentSize                            uint64
	SystemID                               string
	DataChecksums                          string
	ClusterSize                            int64
	CatalogVersion                         int
	Tablespaces                            []Tablespace
}

// hostClock is the barman host's clock: it times the copy. A backup's
// begin and end times come from the server's clock (serverNow), never
// from it: the host's clock may be off, and the server's is the one its
// WAL, its files' mtimes and recovery targets follow. Tests skew it.
var hostClock = time.Now

// serverNow is the SQL for the server's clock: now() (the time the
// statement's transaction started) and its offset from UTC in seconds in
// the session's time zone, for inZone. Both methods follow one rule: the
// begin time is the server's when barman asks for the backup to start
// (with pg_backup_start; just before BASE_BACKUP), the end time the
// server's when barman asks for it to stop (with pg_backup_stop; just
// after BASE_BACKUP has stopped it).
const serverNow = "now(), extract(timezone FROM now())::int"

// inZone is t at a fixed offset from UTC: the server's, read with
// serverNow, so that backup.info shows the server's time as Barman does.
func inZone(t time.Time, offset int) time.Time { return t.In(time.FixedZone("", offset)) }

// readServerNow reads serverNow on c.
func readServerNow(ctx context.Context, c *postgres.Conn, from string) (time.Time, error) {
	var t time.Time
	var zone int
	if err := c.PGX().QueryRow(ctx, "SELECT "+serverNow+from).Scan(&t, &zone); err != nil {
		return t, err
	}
	return inZone(t, zone), nil
}

// Point is a WAL position with its time and timeline.
type Point struct {
	LSN      walname.LSN
	Timeline uint32
	Time     time.Time
}

// Result is a finished copy: the backup's start and end, its label, and
// the copy's statistics.
type Result struct {
	Meta          Meta
	Start, End    Point
	BackupLabel   string
	TablespaceMap string
	Stats         *CopyStats
}

const metaQuery = `SELECT current_setting('data_directory'), current_setting('config_file'),
  current_setting('hba_file'), current_setting('ident_file'), current_setting('server_version_num')::int,
  (SELECT setting::bigint FROM pg_settings WHERE name = 'wal_segment_size'),
  (SELECT system_identifier::text FROM pg_control_system()), current_setting('data_checksums'),
  (SELECT sum(pg_tablespace_size(oid))::bigint FROM pg_tablespace),
  (SELECT catalog_version_no FROM pg_control_system())`

// readMeta reads the server's metadata and tablespaces.
func readMeta(ctx context.Context, c *postgres.Conn) (Meta, error) {
	var m Meta
	err := c.PGX().QueryRow(ctx, metaQuery).Scan(&m.PGData, &m.ConfigFile, &m.HBAFile, &m.IdentFile,
		&m.Version, &m.SegmentSize, &m.SystemID, &m.DataChecksums, &m.ClusterSize, &m.CatalogVersion)
	if err != nil {
		return m, fmt.Errorf("read server metadata: %w", err)
	}
	rows, err := c.PGX().Query(ctx, `SELECT spcname, oid::bigint, pg_tablespace_location(oid)
		FROM pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY oid`)
	if err != nil {
		return m, fmt.Errorf("list tablespaces: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var t Tablespace
		var oid int64
		if err := rows.Scan(&t.Name, &oid, &t.Location); err != nil {
			return m, err
		}
		t.OID = uint32(oid)
		m.Tablespaces = append(m.Tablespaces, t)
	}
	return m, rows.Err()
}

// VersionDir is the tablespace subdirectory of this server version.
func (m Meta) VersionDir() string {
	return fmt.Sprintf("PG_%d_%d", m.Version/10000, m.CatalogVersion)
}

// startBackup runs pg_backup_start on c, which must stay open until stopBackup.
func startBackup(ctx context.Context, c *postgres.Conn, label string, fast bool) (Point, error) {
	var p Point
	var lsn string
	if _, err := c.PGX().Exec(ctx, "SET idle_session_timeout TO 0"); err != nil {
		return p, err
	}
	var zone int
	err := c.PGX().QueryRow(ctx, `SELECT pg_backup_start($1, $2)::text,
		(SELECT timeline_id FROM pg_control_checkpoint()), `+serverNow, label, fast).Scan(&lsn, &p.Timeline, &p.Time, &zone)
	if err != nil {
		return p, fmt.Errorf("pg_backup_start: %w", err)
	}
	p.Time = inZone(p.Time, zone)
	p.LSN, err = walname.ParseLSN(lsn)
	return p, err
}

// stopBackup runs pg_backup_stop and switches WAL so the end segment is
// sent. With waitArchive PostgreSQL waits until the WAL the backup needs is
// archived (barman-cloud-backup, as Barman's: its backup is then
// restorable once listed); barman backup does not wait there, as it
// watches its own archive.
func stopBackup(ctx context.Context, c *postgres.Conn, start Point, waitArchive bool) (Point, string, string, error) {
	var p Point
	var lsn, label, spcmap string
	var zone int
	err := c.PGX().QueryRow(ctx, `SELECT lsn::text, labelfile, coalesce(spcmapfile, ''), `+serverNow+` FROM pg_backup_stop($1)`, waitArchive).
		Scan(&lsn, &label, &spcmap, &p.Time, &zone)
	if err != nil {
		return p, "", "", fmt.Errorf("pg_backup_stop: %w", err)
	}
	p.Time = inZone(p.Time, zone)
	if p.LSN, err = walname.ParseLSN(lsn); err != nil {
		return p, "", "", err
	}
	p.Timeline = labelTimeline(label, start.Timeline)
	if _, err := c.PGX().Exec(ctx, "SELECT pg_switch_wal()"); err != nil {
		return p, "", "", fmt.Errorf("pg_switch_wal: %w", err)
	}
	return p, label, spcmap, nil
}

// labelTimeline reads "START TIMELINE: n" from a backup label.
func labelTimeline(label string, def uint32) uint32 {
	for _, line := range strings.Split(label, "\n") {
		var n uint32
		if _, err := fmt.Sscanf(line, "START TIMELINE: %d", &n); err == nil {
			return n
		}
	}
	return def
}
