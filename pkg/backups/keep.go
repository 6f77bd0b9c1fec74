package backups

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Keep targets written in base/<ID>/annotations/keep by `barman keep`.
const (
	KeepFull       = "full"
	KeepStandalone = "standalone"
)

// KeepPath returns the keep annotation file of backup id.
func (c *Catalogue) KeepPath(id string) string {
	return filepath.Join(c.Layout.BackupPath(id), "annotations", "keep")
}

// KeepTarget returns the keep target of backup id ("full" or
// "standalone"), and whether the backup has a keep annotation at all: as
// for Barman, any annotation file, whatever it holds, keeps the backup.
func (c *Catalogue) KeepTarget(id string) (target string, kept bool, err error) {
	data, err := os.ReadFile(c.KeepPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return strings.TrimSpace(string(data)), true, nil
}
