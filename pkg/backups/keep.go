package backups

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/fsutil"
)

// Keep targets written in base/<ID>/annotations/keep by `barman keep`.
const (
	KeepFull       = "full"
	KeepStandalone = "standalone"
)

// keepEntry is a cached keep annotation.
type keepEntry struct {
	target string
	kept   bool
}

// KeepPath returns the keep annotation file of backup id.
func (c *Catalogue) KeepPath(id string) string {
	return filepath.Join(c.Layout.BackupPath(id), "annotations", "keep")
}

// KeepTarget returns the keep target of backup id ("full" or
// "standalone"), and whether the backup has a keep annotation at all: as
// for Barman, any annotation file, whatever it holds, keeps the backup.
// Annotations are read once per catalogue.
func (c *Catalogue) KeepTarget(id string) (target string, kept bool, err error) {
	if e, ok := c.keeps[id]; ok {
		return e.target, e.kept, nil
	}
	data, err := os.ReadFile(c.KeepPath(id))
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return "", false, err
	default:
		target, kept = strings.TrimSpace(string(data)), true
	}
	c.cacheKeep(id, target, kept)
	return target, kept, nil
}

func (c *Catalogue) cacheKeep(id, target string, kept bool) {
	if c.keeps == nil {
		c.keeps = map[string]keepEntry{}
	}
	c.keeps[id] = keepEntry{target, kept}
}

// KeepStatus is the keep target of backup id, "nokeep" when it has none
// (the words of `barman keep --status`).
func (c *Catalogue) KeepStatus(id string) (string, error) {
	target, kept, err := c.KeepTarget(id)
	if err != nil || !kept {
		return "nokeep", err
	}
	return target, nil
}

// SetKeep writes backup b's keep annotation (durably, as Barman writes
// it: the target without a newline). Only DONE backups can be kept.
func (c *Catalogue) SetKeep(b *catalog.BackupInfo, target string) error {
	if target != KeepFull && target != KeepStandalone {
		return fmt.Errorf("unsupported keep target %q: use full or standalone", target)
	}
	if b.Status() != catalog.StatusDone {
		return fmt.Errorf("Cannot add keep to backup %s because it has status %s. Only backups with status DONE can be kept.", b.ID, b.Status())
	}
	p := c.KeepPath(b.ID)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(p, []byte(target), 0o644); err != nil {
		return err
	}
	c.cacheKeep(b.ID, target, true)
	return nil
}

// ReleaseKeep removes backup id's keep annotation, and the annotations
// directory when it is left empty. Releasing a backup that is not kept
// does nothing.
func (c *Catalogue) ReleaseKeep(id string) error {
	p := c.KeepPath(id)
	if err := os.Remove(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	os.Remove(filepath.Dir(p)) // fails, as wanted, while other annotations remain
	if err := fsutil.SyncDir(c.Layout.BackupPath(id)); err != nil {
		return err
	}
	c.cacheKeep(id, "", false)
	return nil
}

// RememberKeep records backup id's keep annotation as read elsewhere (the
// cloud catalogue keeps its annotations in object storage): KeepTarget
// then answers from it without reading the disk.
func (c *Catalogue) RememberKeep(id, target string, kept bool) { c.cacheKeep(id, target, kept) }
