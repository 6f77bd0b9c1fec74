package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/walfile"
)

// Archive is the WAL archive of one server.
type Archive struct {
	Layout  *catalog.Layout
	Server  string
	LockDir string
	Log     *slog.Logger
	Now     func() time.Time // nil: time.Now
	// Codec tells how to read back what the archiver compressed.
	Codec Codec
}

func (a *Archive) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Archive) log() *slog.Logger {
	if a.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Log
}

// Expect returns what archived segments must match: the system identifier
// recorded in identity.json (none when nothing is recorded yet).
func (a *Archive) Expect() (walfile.Expect, error) {
	id, err := a.Layout.ReadIdentity()
	if errors.Is(err, fs.ErrNotExist) {
		return walfile.Expect{}, nil
	}
	if err != nil {
		return walfile.Expect{}, err
	}
	n, err := strconv.ParseUint(id.SystemID, 10, 64)
	if err != nil {
		return walfile.Expect{}, fmt.Errorf("%s: bad systemid %q", a.Layout.IdentityPath(), id.SystemID)
	}
	return walfile.Expect{SystemID: n}, nil
}

// RecordIdentity writes identity.json from the first segment archived, when
// the catalogue has none: later segments must come from the same cluster.
func (a *Archive) RecordIdentity(info walfile.Info) error {
	if info.SystemID == 0 {
		return nil
	}
	if _, err := os.Stat(a.Layout.IdentityPath()); err == nil {
		return nil
	}
	id := catalog.Identity{SystemID: strconv.FormatUint(info.SystemID, 10)}
	if info.Version > 0 {
		id.Version = strconv.Itoa(info.Version)
		if info.Version > 90 {
			id.Version = fmt.Sprintf("%d.%d", info.Version/10, info.Version%10)
		}
	}
	return a.Layout.WriteIdentity(id)
}

// Reject moves path aside to errors/<name>.<UTC stamp>.<reason>, as Barman
// names them, and returns the new path.
func (a *Archive) Reject(path, reason string) (string, error) {
	dir := a.Layout.ErrorsDir()
	if err := fsutil.MkdirAllSync(dir, 0o755); err != nil {
		return "", err
	}
	dst := filepath.Join(dir, fmt.Sprintf("%s.%s.%s", filepath.Base(path), a.now().UTC().Format("20060102T150405Z"), reason))
	if err := os.Rename(path, dst); err != nil {
		return "", fmt.Errorf("move %s to the errors directory: %w", path, err)
	}
	if err := fsutil.SyncDir(dir); err != nil {
		return dst, err
	}
	return dst, fsutil.SyncDir(filepath.Dir(path))
}
