package check

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
)

// Catalogue is what the checks need from the server's catalogue.
type Catalogue struct {
	Backups []Backup // any order
	// SystemID is the system identifier the catalogue recorded, and
	// SystemIDFrom the file it came from ("" if none recorded).
	SystemID, SystemIDFrom string
	// WALs are the names of the files archived, incoming or streamed.
	WALs map[string]bool
	// Errors counts the files in errors/ by reason (the file name's last
	// dot-separated part: duplicate, unknown, ...).
	Errors map[string]int
	// Incoming and Streaming count the WAL files waiting in
	// incoming_wals_directory and streaming_wals_directory (the
	// .partial segment being streamed left out).
	Incoming, Streaming int
	// Err is set when the catalogue could not be read.
	Err error
}

// Backup is one backup of the catalogue.
type Backup struct {
	ID, Status, SystemID string
	EndTime              time.Time
	Size                 int64
}

// catalogue checks the backups and settings the catalogue is judged by.
func (c *checker) catalogue() {
	cat := c.in.Catalogue
	if cat == nil {
		cat = &Catalogue{}
	}
	if cat.Err != nil {
		c.fail("catalogue", fmt.Sprintf("%v: check the files under %s", cat.Err, c.in.Server.Layout.BackupDir()))
	}
	c.pass("retention policy settings", "")
	c.backupAge(cat)
	c.compression()
	failed, done := 0, 0
	for _, b := range cat.Backups {
		switch b.Status {
		case "FAILED":
			failed++
		case "DONE":
			done++
		}
	}
	c.soft("failed backups", failed == 0, fmt.Sprintf("there are %d failed backups", failed))
	min := c.in.Server.Retention.MinimumRedundancy
	c.soft("minimum redundancy requirements", done >= min, fmt.Sprintf("have %d backups, expected at least %d", done, min))
}

// compression checks the WAL compression settings: compression = custom
// needs both filters, as Barman's custom compressor does; Barman's hint
// names the missing one.
func (c *checker) compression() {
	s := c.in.Server
	if algo, _ := compress.Canonical(s.WAL.Codec.Compression); algo == compress.Custom {
		for _, key := range []string{"custom_compression_filter", "custom_decompression_filter"} {
			if s.Section.Get(key) == "" {
				c.fail("compression settings", key+" setting: compression = custom needs it to write and read the WAL archive")
				return
			}
		}
	}
	c.pass("compression settings", "")
}

// backupAge checks last_backup_maximum_age against the newest DONE backup.
func (c *checker) backupAge(cat *Catalogue) {
	text := c.in.Server.Section.Get("last_backup_maximum_age")
	if text == "" {
		c.soft("backup maximum age", true, "no last_backup_maximum_age provided")
		return
	}
	limit, _ := config.ParseInterval(text)
	var newest time.Time
	for _, b := range cat.Backups {
		if b.Status == "DONE" && b.EndTime.After(newest) {
			newest = b.EndTime
		}
	}
	now := c.in.now()
	if newest.IsZero() {
		c.soft("backup maximum age", false, "no DONE backup yet: take one with 'barman backup "+c.in.Server.Name+"'")
		return
	}
	age := now.Sub(newest).Round(time.Second)
	c.soft("backup maximum age", age <= limit, fmt.Sprintf("interval provided: %s, latest backup age: %s", text, age))
}

// systemID compares the live system identifier with the catalogue's.
func (c *checker) systemID() {
	cat := c.in.Catalogue
	if c.in.Status == nil || cat == nil {
		return
	}
	live := c.in.Status.SystemID
	if st := c.in.Streaming; st != nil && st.Identity != nil && st.Identity.SystemID != live {
		c.fail("systemid coherence", fmt.Sprintf("the replication connection reaches system %s, conninfo reaches %s: is the streaming DSN targeting the same server of the PostgreSQL connection string?", st.Identity.SystemID, live))
		return
	}
	if cat.SystemID != "" && cat.SystemID != live {
		c.fail("systemid coherence", fmt.Sprintf("the PostgreSQL server's system identifier %s differs from %s recorded in %s: conninfo points at another cluster; fix conninfo, or move the old catalogue away if the cluster was re-created", live, cat.SystemID, cat.SystemIDFrom))
		return
	}
	for _, b := range newestFirst(cat.Backups) {
		if b.SystemID != "" && b.SystemID != live {
			c.fail("systemid coherence", fmt.Sprintf("the PostgreSQL server's system identifier %s differs from %s recorded by backup %s", live, b.SystemID, b.ID))
			return
		}
	}
	if cat.SystemID == "" {
		c.pass("systemid coherence", "no system Id stored on disk")
		return
	}
	c.pass("systemid coherence", "")
}

func newestFirst(b []Backup) []Backup {
	out := append([]Backup(nil), b...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out
}

// archiving checks archive settings and that WAL arrives: the segment
// PostgreSQL says it archived last must be in barman's hands, and the
// archiver must not be failing.
func (c *checker) archiving() {
	s := c.in.Status
	cat := c.in.Catalogue
	if cat == nil {
		cat = &Catalogue{}
	}
	c.queues(cat)
	if c.in.Server.Streaming.Archiver {
		c.receiveWAL()
	}
	if s == nil {
		return
	}
	if c.in.Server.WAL.Archiver {
		c.fileArchiver(s, cat)
	}
	c.archiverErrors(cat)
}

// fileArchiver checks archive_command archiving: the settings, and that
// WAL arrives in incoming_wals_directory.
func (c *checker) fileArchiver(s *postgres.Status, cat *Catalogue) {
	c.archiveSettings(s)
	incoming := c.in.Server.Layout.IncomingDir()
	switch {
	case s.LastFailedTime != nil && (s.LastArchivedTime == nil || s.LastFailedTime.After(*s.LastArchivedTime)):
		c.fail("continuous archiving", fmt.Sprintf("archive_command is failing: PostgreSQL could not archive %s at %s; see the PostgreSQL log", s.LastFailedWAL, s.LastFailedTime.Format(time.RFC3339)))
	case len(cat.WALs) == 0:
		c.fail("continuous archiving", fmt.Sprintf("no WAL has arrived in %s yet: check archive_command, then run 'barman switch-wal --force --archive %s'", incoming, c.in.Server.Name))
	case s.LastArchivedWAL != "" && !cat.WALs[s.LastArchivedWAL]:
		c.fail("continuous archiving", fmt.Sprintf("PostgreSQL archived %s but it is not in %s nor in the archive: archive_command sends WAL elsewhere", s.LastArchivedWAL, incoming))
	default:
		c.pass("continuous archiving", "")
	}
}

func (c *checker) archiverErrors(cat *Catalogue) {
	if len(cat.Errors) == 0 {
		c.soft("archiver errors", true, "")
		return
	}
	var parts []string
	for reason, n := range cat.Errors {
		parts = append(parts, fmt.Sprintf("%s: %d", reason, n))
	}
	sort.Strings(parts)
	c.soft("archiver errors", false, strings.Join(parts, ", ")+"; inspect "+c.in.Server.Layout.ErrorsDir()+" and remove the files once handled")
}
