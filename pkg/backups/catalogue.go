package backups

import (
	"io"
	"slices"

	"github.com/gobarman/barman/pkg/catalog"
)

// Status sets Barman uses to filter backups.
var (
	// CopyDone is STATUS_COPY_DONE, Barman's default filter: backups whose
	// copy is over (the shortcuts latest and oldest, previous and next).
	CopyDone = []catalog.Status{catalog.StatusWaitingForWALs, catalog.StatusDone}
	// Archiving is STATUS_ARCHIVING: backups that need the WAL archive.
	Archiving = []catalog.Status{catalog.StatusStarted, catalog.StatusWaitingForWALs, catalog.StatusDone, catalog.StatusSyncing}
)

// Catalogue is the backups of one server, read once.
type Catalogue struct {
	Layout  *catalog.Layout
	Server  string
	Backups []*catalog.BackupInfo // sorted by ID, oldest first
	// OpenWAL, if set, opens an archived WAL file by name, decompressed
	// as xlog.db records it (archive.Archive.Open); nil: by magic bytes.
	OpenWAL func(name string) (io.ReadCloser, error)
	keeps   map[string]keepEntry // keep annotations read so far
	sorted  struct {             // whether the xlog.db entries last seen are in name order
		first *catalog.WALEntry
		n     int
		ok    bool
	}
}

// Load reads every backup.info of the server.
func Load(l *catalog.Layout) (*Catalogue, error) {
	list, err := l.ListBackups()
	if err != nil {
		return nil, err
	}
	return &Catalogue{Layout: l, Server: l.Server, Backups: list}, nil
}

// IsCopyDone reports whether b is DONE or WAITING_FOR_WALS.
func IsCopyDone(b *catalog.BackupInfo) bool { return slices.Contains(CopyDone, b.Status()) }

// Get returns the backup with this ID, or nil.
func (c *Catalogue) Get(id string) *catalog.BackupInfo {
	if i := c.index(id); i >= 0 {
		return c.Backups[i]
	}
	return nil
}

func (c *Catalogue) index(id string) int {
	return slices.IndexFunc(c.Backups, func(b *catalog.BackupInfo) bool { return b.ID == id })
}

// Filter returns the backups with one of the statuses (all of them when
// none is given), oldest first.
func (c *Catalogue) Filter(statuses ...catalog.Status) []*catalog.BackupInfo {
	var out []*catalog.BackupInfo
	for _, b := range c.Backups {
		if len(statuses) == 0 || slices.Contains(statuses, b.Status()) {
			out = append(out, b)
		}
	}
	return out
}

// Oldest returns the oldest backup with one of the statuses, or nil.
func (c *Catalogue) Oldest(statuses ...catalog.Status) *catalog.BackupInfo {
	list := c.Filter(statuses...)
	if len(list) == 0 {
		return nil
	}
	return list[0]
}

// Newest returns the newest backup with one of the statuses, or nil.
func (c *Catalogue) Newest(statuses ...catalog.Status) *catalog.BackupInfo {
	list := c.Filter(statuses...)
	if len(list) == 0 {
		return nil
	}
	return list[len(list)-1]
}

// Previous returns the nearest older backup that is DONE or
// WAITING_FOR_WALS, or nil (also for an unknown ID).
func (c *Catalogue) Previous(id string) *catalog.BackupInfo {
	for i := c.index(id) - 1; i >= 0; i-- {
		if IsCopyDone(c.Backups[i]) {
			return c.Backups[i]
		}
	}
	return nil
}

// Next returns the nearest newer backup that is DONE or WAITING_FOR_WALS,
// or nil (also for an unknown ID).
func (c *Catalogue) Next(id string) *catalog.BackupInfo {
	i := c.index(id)
	if i < 0 {
		return nil
	}
	for _, b := range c.Backups[i+1:] {
		if IsCopyDone(b) {
			return b
		}
	}
	return nil
}

// IDOf returns b's ID, "" for nil.
func IDOf(b *catalog.BackupInfo) string {
	if b == nil {
		return ""
	}
	return b.ID
}
