package cloud

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/storage"
	"github.com/gobarman/barman/pkg/walfile"
	"github.com/gobarman/barman/pkg/walname"
)

// ArchiveOptions tune ArchiveWAL.
type ArchiveOptions struct {
	Server      string
	Compression string // compress.None, Gzip, Bzip2, Snappy, Zstd or LZ4
	Log         Logf
}

// ArchiveResult says what ArchiveWAL did.
type ArchiveResult struct {
	Key string // the object that holds the file
	// Already: the file was archived before with the same content (as
	// Key); nothing was uploaded.
	Already bool
}

// ArchiveWAL archives the WAL file at walPath for opts.Server, as
// barman-cloud-wal-archive does, and more safely:
//
//   - the file must be what its name says: a segment of the archived
//     cluster (size, page header, page address, system identifier and
//     segment size of the identity recorded in SERVER/identity.json, which
//     the first archived segment records), a history file that parses, a
//     backup label of its segment;
//   - an archived WAL is never replaced: if the archive holds the name
//     already (with any compression), the same content is a success with
//     nothing uploaded, other content a refusal; the upload itself is
//     conditional, so a concurrent writer is not overwritten either.
//
// It returns once the object is durable in the store.
func ArchiveWAL(ctx context.Context, st storage.Storage, walPath string, opts ArchiveOptions) (ArchiveResult, error) {
	if err := CheckServerName(opts.Server); err != nil {
		return ArchiveResult{}, err
	}
	name := filepath.Base(walPath)
	n, err := walname.Parse(name)
	if err != nil {
		return ArchiveResult{}, fmt.Errorf("%s is an invalid name for a WAL file", walPath)
	}
	if _, ok := exts[opts.Compression]; !ok || opts.Compression == "" {
		return ArchiveResult{}, fmt.Errorf("compression %q: want one of none, gzip, bzip2, snappy, zstd, lz4", opts.Compression)
	}
	data, err := os.ReadFile(walPath)
	if err != nil {
		return ArchiveResult{}, fmt.Errorf("read WAL file: %w", err)
	}
	l := Layout{Server: opts.Server}
	if err := checkArchived(ctx, st, l, walPath, n, data, opts.Log); err != nil {
		return ArchiveResult{}, err
	}
	if res, done, err := compareArchived(ctx, st, l, name, data, opts.Log); done || err != nil {
		return res, err
	}
	var buf bytes.Buffer
	cw, err := compress.NewWriter(&buf, opts.Compression, compress.DefaultLevel)
	if err != nil {
		return ArchiveResult{}, err
	}
	if _, err := cw.Write(data); err != nil {
		return ArchiveResult{}, fmt.Errorf("compress %s: %w", walPath, err)
	}
	if err := cw.Close(); err != nil {
		return ArchiveResult{}, fmt.Errorf("compress %s: %w", walPath, err)
	}
	key := l.WALKey(name, opts.Compression)
	err = storage.Save(ctx, st, key, &buf, storage.CreateOptions{IfNotExists: true})
	if errors.Is(err, storage.ErrExist) {
		// Another writer archived the name meanwhile: compare with it.
		res, done, err := compareArchived(ctx, st, l, name, data, opts.Log)
		if !done && err == nil {
			err = fmt.Errorf("upload %s: it appeared meanwhile, then disappeared: %w", key, storage.ErrExist)
		}
		return res, err
	}
	if err != nil {
		return ArchiveResult{}, err
	}
	opts.Log.printf("Archived %s as %s", name, key)
	return ArchiveResult{Key: key}, nil
}

// checkArchived checks that data is the WAL file n names and, for a
// segment, one of the archived cluster, recording the cluster's identity
// with the first segment.
func checkArchived(ctx context.Context, st storage.Storage, l Layout, walPath string, n walname.Name, data []byte, log Logf) error {
	name := n.String()
	var exp walfile.Expect
	id, known, err := LoadIdentity(ctx, st, l)
	if err != nil {
		return err
	}
	if known {
		exp = walfile.Expect{SystemID: id.SystemID, SegmentSize: id.SegmentSize}
	}
	info, err := walfile.Check(name, data, int64(len(data)), exp)
	if err != nil {
		return notWAL(walPath, err, known, l, id)
	}
	switch n.Kind {
	case walname.BackupLabel:
		return checkLabelSegment(walPath, n, data)
	case walname.Segment, walname.Partial:
	default:
		return nil
	}
	if known {
		return nil
	}
	rec, err := saveIdentity(ctx, st, l, Identity{SystemID: info.SystemID, SegmentSize: info.SegSize, Source: name})
	if err != nil {
		return fmt.Errorf("record the identity of the archived cluster: %w", err)
	}
	if rec.SystemID != info.SystemID || rec.SegmentSize != info.SegSize {
		// Another cluster recorded its identity between our read and write.
		_, err := walfile.Check(name, data, int64(len(data)), walfile.Expect{SystemID: rec.SystemID, SegmentSize: rec.SegmentSize})
		return notWAL(walPath, err, true, l, rec)
	}
	log.printf("Recorded the archived cluster in %s: system identifier %d, %d-byte segments", l.IdentityKey(), rec.SystemID, rec.SegmentSize)
	return nil
}

// notWAL turns walfile's verdict into a refusal that names the file and
// says what to do.
func notWAL(walPath string, err error, known bool, l Layout, id Identity) error {
	var p *walfile.Problem
	if !errors.As(err, &p) {
		return err
	}
	hint := p.Hint
	if p.Code == walfile.CodeForeignCluster && known {
		hint = fmt.Sprintf("the archive of server %s holds the cluster with system identifier %d and %d-byte segments (%s): "+
			"archive this cluster under another server name, or, if the archive is to be given to this cluster, "+
			"empty it (barman-cloud-check-wal-archive must pass) and remove %s",
			l.Server, id.SystemID, id.SegmentSize, l.IdentityKey(), l.IdentityKey())
	}
	return refuse(p, hint, "refusing to archive %s: %s", walPath, p.Msg)
}

// labelFile is the segment a backup label's first line names.
var labelFile = regexp.MustCompile(`^START WAL LOCATION: [0-9A-Fa-f]+/[0-9A-Fa-f]+ \(file ([0-9A-F]{24})\)`)

// checkLabelSegment checks that a backup label names the segment of its
// own file name.
func checkLabelSegment(walPath string, n walname.Name, data []byte) error {
	m := labelFile.FindSubmatch(data)
	if m == nil {
		return refuse(ErrRefused, "a .backup file starts with `START WAL LOCATION: X/Y (file SEGMENT)`",
			"refusing to archive %s: no START WAL LOCATION line naming a segment", walPath)
	}
	if seg := n.Segment().String(); string(m[1]) != seg {
		return refuse(ErrRefused, "the file was renamed or damaged",
			"refusing to archive %s: it is the label of a backup starting in %s, not %s", walPath, m[1], seg)
	}
	return nil
}

// compareArchived compares data with the copies of name in the archive:
// done with no error when there is one and all have data's content;
// a refusal when one differs; not done when there is none.
func compareArchived(ctx context.Context, st storage.Storage, l Layout, name string, data []byte, log Logf) (ArchiveResult, bool, error) {
	objs, err := listWAL(ctx, st, l, name)
	if err != nil {
		return ArchiveResult{}, false, err
	}
	var res ArchiveResult
	for _, obj := range objs {
		if obj.Base != name {
			continue
		}
		got, err := readWAL(ctx, st, obj)
		if err != nil {
			return ArchiveResult{}, false, err
		}
		if !bytes.Equal(got, data) {
			return ArchiveResult{}, false, refuse(ErrRefused,
				"an archived WAL file is never replaced: find out why PostgreSQL has another file of this name "+
					"(two clusters archiving to one server name? a restored cluster on its old timeline?)",
				"refusing to archive %s: the archive holds %s with different content", name, obj.Key)
		}
		res = ArchiveResult{Key: obj.Key, Already: true}
	}
	if !res.Already {
		return ArchiveResult{}, false, nil
	}
	log.printf("WAL file %s is already archived as %s with the same content: nothing to do", name, res.Key)
	return res, true, nil
}
