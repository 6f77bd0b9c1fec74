package cloud

import (
	"context"
	"errors"
	"fmt"
	"path"

	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/walname"
)

// ErrArchiveNotUsable is wrapped by CheckWALArchive's verdict that the
// archive cannot take the WAL of a new cluster.
var ErrArchiveNotUsable = errors.New("WAL archive check failed")

// CheckOptions tune CheckWALArchive.
type CheckOptions struct {
	Server string
	// Timeline, when > 0, allows WAL files of the timelines below it (a
	// cluster restored from this archive, about to archive on a new
	// timeline); 0 wants an empty archive.
	Timeline uint32
}

// CheckWALArchive says whether the WAL archive of opts.Server can be used
// by a new cluster, as Barman's check_archive_usable: without a timeline
// it must hold no WAL file; with one, no WAL file of that timeline or a
// later one. Files that are not WAL files (with a known compression
// suffix) are ignored, as Barman does. One more check: without a
// timeline, an identity recorded by an earlier cluster
// (SERVER/identity.json) fails it too, since wal-archive would refuse
// the new cluster's segments.
func CheckWALArchive(ctx context.Context, st storage.Storage, opts CheckOptions) error {
	if err := CheckServerName(opts.Server); err != nil {
		return err
	}
	l := Layout{Server: opts.Server}
	var wals []walname.Name
	err := st.List(ctx, l.WALPrefix(), storage.ListOptions{}, func(info storage.Info) error {
		base, _ := SplitExt(path.Base(info.Name))
		if n, err := walname.Parse(base); err == nil {
			wals = append(wals, n)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if opts.Timeline == 0 {
		if len(wals) > 0 {
			return fmt.Errorf("%w for server %s: Expected empty archive", ErrArchiveNotUsable, opts.Server)
		}
		id, ok, err := LoadIdentity(ctx, st, l)
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("%w for server %s: the archive holds no WAL file but %s records the cluster with system identifier %d: "+
				"remove it if the archive is to be used by a new cluster", ErrArchiveNotUsable, opts.Server, l.IdentityKey(), id.SystemID)
		}
		return nil
	}
	count := 0
	for _, n := range wals {
		if n.Timeline >= opts.Timeline {
			count++
		}
	}
	if count > 0 {
		plural := ""
		if count > 1 {
			plural = "s"
		}
		return fmt.Errorf("%w for server %s: Found %d file%s in WAL archive equal to or newer than timeline %d",
			ErrArchiveNotUsable, opts.Server, count, plural, opts.Timeline)
	}
	return nil
}
