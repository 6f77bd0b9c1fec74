package backups

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
)

var idPattern = regexp.MustCompile(`^[0-9]{8}T[0-9]{6}$`)

// IsBackupID reports whether s has the form of a backup ID
// (YYYYMMDDTHHMMSS).
func IsBackupID(s string) bool { return idPattern.MatchString(s) }

// UnknownError says that a backup reference matches no backup.
type UnknownError struct{ Ref, Server string }

func (e *UnknownError) Error() string {
	return fmt.Sprintf("Unknown backup '%s' for server '%s'", e.Ref, e.Server)
}

// AmbiguousNameError says that several backups have the name.
type AmbiguousNameError struct {
	Name string
	IDs  []string
}

func (e *AmbiguousNameError) Error() string {
	return fmt.Sprintf("Multiple backups found matching name '%s' (try using backup ID instead): %s",
		e.Name, strings.Join(e.IDs, " "))
}

// Resolve returns the backup ref designates: latest or last (the newest
// DONE or WAITING_FOR_WALS backup), oldest or first (the oldest such),
// last-failed (the newest FAILED backup), a backup ID (any status), or
// else the name given with backup --name (DONE or WAITING_FOR_WALS
// backups only). The errors are *UnknownError and *AmbiguousNameError.
func (c *Catalogue) Resolve(ref string) (*catalog.BackupInfo, error) {
	var b *catalog.BackupInfo
	switch {
	case ref == "latest" || ref == "last":
		b = c.Newest(CopyDone...)
	case ref == "oldest" || ref == "first":
		b = c.Oldest(CopyDone...)
	case ref == "last-failed":
		b = c.Newest(catalog.StatusFailed)
	case IsBackupID(ref):
		b = c.Get(ref)
	default:
		var err error
		if b, err = c.ByName(ref); err != nil {
			return nil, err
		}
	}
	if b == nil {
		return nil, &UnknownError{Ref: ref, Server: c.Server}
	}
	return b, nil
}

// ByName returns the DONE or WAITING_FOR_WALS backup named name, nil when
// there is none, and an *AmbiguousNameError when there are several.
func (c *Catalogue) ByName(name string) (*catalog.BackupInfo, error) {
	var found []*catalog.BackupInfo
	for _, b := range c.Filter(CopyDone...) {
		if b.BackupName() == name {
			found = append(found, b)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
		return found[0], nil
	}
	e := &AmbiguousNameError{Name: name}
	for _, b := range found {
		e.IDs = append(e.IDs, b.ID)
	}
	return nil, e
}
