package basebackup

import (
	"archive/tar"
	"context"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/throttle"
)

// Item is one directory tree to copy: PGDATA or a tablespace.
type Item struct {
	Root          string // directory on the PostgreSQL host
	TablespaceOID uint32 // 0 for PGDATA
	Tablespace    string
	Exclude       func(path string) bool
	// Throttle, when set, limits this item's streams instead of the
	// Remote's (tablespace_bandwidth_limit).
	Throttle *throttle.Throttle
}

// Previous is the backup that reuse_backup = link takes unchanged files
// from: its files by manifest path, and its start time. A file is reused
// only when its size and mtime are the same and it was last modified
// before the previous backup started (older changes are safely in it).
// Times compare to the second: the tar stream carries whole seconds.
type Previous struct {
	Files   map[string]PrevFile // key: "data/<path>" or "<oid>/<path>"
	Horizon time.Time
}

// PrevFile is a file of the previous backup.
type PrevFile struct {
	Local    string
	Size     int64
	MTime    time.Time
	Checksum string
}

// CopyStats says what a copy did.
type CopyStats struct {
	Files, Bytes, Linked, LinkedBytes int64
	// Changed are tar's notes about files that vanished, shrank or
	// changed while copied: normal during a backup (Remote.Fetch).
	Changed []string
	Time    time.Duration
}

type job struct {
	item  *Item
	entry Entry
}

// Copy copies the items with jobs parallel streams, and global/pg_control
// of the PGDATA item last.
func Copy(ctx context.Context, r *Remote, items []Item, jobs int, prev *Previous, sink *Sink) (*CopyStats, error) {
	start := hostClock()
	stats := &CopyStats{}
	var todo []job
	for i := range items {
		it := &items[i]
		entries, err := r.List(ctx, it.Root)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			e.TablespaceOID, e.Tablespace = it.TablespaceOID, it.Tablespace
			if it.Exclude != nil && it.Exclude(e.Path) {
				continue
			}
			j, err := place(sink, prev, e, stats)
			if err != nil {
				return nil, err
			}
			if j {
				todo = append(todo, job{it, e})
			}
		}
	}
	var total int64
	for _, j := range todo {
		total += j.entry.Size
	}
	// global/pg_control, copied last, is always PG_CONTROL_FILE_SIZE.
	sink.SetTotal(total + 8192)
	if err := fetchAll(ctx, r, buckets(todo, jobs), sink, stats); err != nil {
		return nil, err
	}
	for i := range items {
		if items[i].TablespaceOID == 0 {
			last := []job{{&items[i], Entry{Path: "global/pg_control"}}}
			if err := fetchAll(ctx, r, [][]job{last}, sink, stats); err != nil {
				return nil, fmt.Errorf("copy global/pg_control: %w", err)
			}
		}
	}
	stats.Files, stats.Bytes = sink.Totals()
	stats.Time = hostClock().Sub(start)
	return stats, nil
}

// place creates directories and links now; it returns true for a file to
// transfer.
func place(sink *Sink, prev *Previous, e Entry, stats *CopyStats) (bool, error) {
	switch {
	case e.Mode.IsDir():
		return false, sink.Mkdir(e)
	case e.Mode&fs.ModeSymlink != 0:
		return false, sink.Symlink(e)
	}
	if prev != nil {
		if p, ok := prev.Files[sink.rel(e)]; ok && p.Size == e.Size && p.MTime.Unix() == e.MTime.Unix() && e.MTime.Before(prev.Horizon) {
			stats.Linked++
			stats.LinkedBytes += e.Size
			return false, sink.Link(e, p.Local, p.Checksum)
		}
	}
	return true, nil
}

// buckets splits the files into n groups of about equal size.
func buckets(todo []job, n int) [][]job {
	if n < 1 {
		n = 1
	}
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].entry.Size > todo[j].entry.Size })
	out := make([][]job, n)
	sizes := make([]int64, n)
	for _, j := range todo {
		k := 0
		for i := range sizes {
			if sizes[i] < sizes[k] {
				k = i
			}
		}
		out[k] = append(out[k], j)
		sizes[k] += j.entry.Size + 512
	}
	return out
}

// fetchAll runs one stream per bucket, one tar per item within a bucket.
func fetchAll(ctx context.Context, r *Remote, groups [][]job, sink *Sink, stats *CopyStats) error {
	g, ctx := errgroup.WithContext(ctx)
	changed := make([][]string, len(groups))
	for gi, group := range groups {
		byItem := map[*Item][]string{}
		var order []*Item
		for _, j := range group {
			if _, ok := byItem[j.item]; !ok {
				order = append(order, j.item)
			}
			byItem[j.item] = append(byItem[j.item], j.entry.Path)
		}
		g.Go(func() error {
			for _, it := range order {
				asked := map[string]bool{}
				for _, p := range byItem[it] {
					asked[p] = true
				}
				v, err := r.fetch(ctx, it.Root, byItem[it], it.Throttle, func(h *tar.Header, rd io.Reader) error {
					if h.Typeflag == tar.TypeReg && !asked[h.Name] {
						return fmt.Errorf("the PostgreSQL host sent %q from %s, which was not asked for: the backup is refused (a damaged or hostile database host)", h.Name, it.Root)
					}
					delete(asked, h.Name)
					return receive(sink, it, h, rd)
				})
				if err != nil {
					return err
				}
				changed[gi] = append(changed[gi], v...)
			}
			return nil
		})
	}
	err := g.Wait()
	for _, c := range changed {
		stats.Changed = append(stats.Changed, c...)
	}
	return err
}

func receive(sink *Sink, it *Item, h *tar.Header, rd io.Reader) error {
	if h.Typeflag != tar.TypeReg {
		return nil
	}
	e := Entry{Path: h.Name, TablespaceOID: it.TablespaceOID, Tablespace: it.Tablespace,
		Mode: h.FileInfo().Mode(), Size: h.Size, MTime: h.ModTime}
	return sink.File(e, rd)
}
