package recovery

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/walname"
	"github.com/gobarman/barman/pkg/walscan"
)

// Source opens WAL files, decompressed: the archived ones, and those of
// the streaming directory (Plan.Streamed, and Plan.Partial by its
// NAME.partial file name).
type Source interface {
	Open(name string) (io.ReadCloser, error)
}

// Plan is what Prepare needs to know.
type Plan struct {
	Server   string
	SegSize  uint64
	BeginWAL string      // the backup's begin_wal
	EndWAL   string      // the backup's end_wal: recovery is consistent after it
	EndLSN   walname.LSN // the backup's end LSN
	Chain    Chain
	Archived map[string]time.Time // catalogued WAL files (xlog.db) and their times
	// Streamed are the completed segments and history files of the
	// streaming directory (pg_receivewal's, or receive-wal's) and their
	// times: WAL received but not archived yet, read after the archive.
	Streamed map[string]time.Time
	// Partial is the newest .partial file of the streaming directory
	// (NAME.partial, "" when none; its time is in Streamed under that
	// name): the segment being received, full-size and zero after the
	// last byte received. Recovery reads it last, when it continues the
	// WAL on the timeline recovered (see Segments), and delivers it as
	// NAME: PostgreSQL takes its zeros as the end of the WAL.
	Partial string
	Target  Target
	Jobs    int
	// NoScan copies the WAL without reading its records (a PostgreSQL
	// version pkg/walscan does not read): time, xid and name targets are
	// then left to PostgreSQL and everything to the end of the archive is
	// copied, as Barman does.
	NoScan bool
}

// Result is what Prepare did.
type Result struct {
	Segments  []string // segments written, in order
	Histories []string // history files written
	Reached   *walscan.Event
	// Dropped: the target is past the archived WAL; recovery goes to the
	// end of the archive instead (Warning says why).
	Dropped bool
	Warning string
	Bytes   int64
	// Streamed are the segments read from the streaming directory (not
	// archived yet), Partial the .partial file read, delivered under its
	// segment name ("" when none), and PartialEnd the end of the last
	// valid record in it (zero when the records were not read).
	Streamed   []string
	Partial    string
	PartialEnd walname.LSN
}

// Last is the newest segment written ("" when none).
func (r *Result) Last() string {
	if len(r.Segments) == 0 {
		return ""
	}
	return r.Segments[len(r.Segments)-1]
}

func segno(n walname.Name, segSize uint64) uint64 {
	return uint64(n.Log)*walname.SegmentsPerLog(segSize) + uint64(n.Seg)
}

func nameOf(tli uint32, no, segSize uint64) string {
	per := walname.SegmentsPerLog(segSize)
	return walname.SegmentName(tli, uint32(no/per), uint32(no%per))
}

// Segments returns the segments recovery reads from the backup's begin_wal
// on, as far as the archive and the streaming directory have them without
// a gap, and the first missing segment before the newest available one
// ("" when there is no gap). The partial segment, when it continues them,
// is the last one, named NAME.partial.
func (p *Plan) Segments() (names []string, gap string, err error) {
	begin, err := walname.Parse(p.BeginWAL)
	if err != nil {
		return nil, "", fmt.Errorf("the backup's begin_wal: %w", err)
	}
	last := uint64(0)
	for _, files := range []map[string]time.Time{p.Archived, p.Streamed} {
		for name := range files {
			n, err := walname.Parse(name)
			if err != nil || n.Kind != walname.Segment || !p.Chain.Has(n.Timeline) {
				continue
			}
			if s := segno(n, p.SegSize); s > last && p.Chain.TLIFor(s, p.SegSize) == n.Timeline {
				last = s
			}
		}
	}
	partial, ok := p.partialAfter(last)
	if ok {
		last = partial
	}
	for s := segno(begin, p.SegSize); s <= last; s++ {
		name := nameOf(p.Chain.TLIFor(s, p.SegSize), s, p.SegSize)
		switch {
		case hasName(p.Archived, name) || hasName(p.Streamed, name):
			names = append(names, name)
		case ok && s == partial:
			names = append(names, p.Partial)
		default:
			return names, name, nil
		}
	}
	return names, "", nil
}

func hasName(m map[string]time.Time, name string) bool {
	_, ok := m[name]
	return ok
}

// partialAfter returns the segment number of the partial segment when
// recovery can read it after segment last: it is on the timeline the
// chain reads there, and nothing newer is archived or streamed (a full
// copy of the segment, or a later segment, makes it stale).
func (p *Plan) partialAfter(last uint64) (uint64, bool) {
	if p.Partial == "" {
		return 0, false
	}
	n, err := walname.Parse(p.Partial)
	if err != nil || n.Kind != walname.Partial || !p.Chain.Has(n.Timeline) {
		return 0, false
	}
	s := segno(n, p.SegSize)
	if s <= last || p.Chain.TLIFor(s, p.SegSize) != n.Timeline {
		return 0, false
	}
	return s, true
}

// UsesPartial reports whether recovery to the end of the WAL reads the
// partial segment.
func (p *Plan) UsesPartial() bool {
	names, gap, err := p.Segments()
	return err == nil && gap == "" && len(names) > 0 && names[len(names)-1] == p.Partial
}

// origin says where the file name comes from, for messages.
func (p *Plan) origin(name string) string {
	if hasName(p.Archived, name) {
		return "archived"
	}
	return "streamed"
}

// segmentOf is the name a WAL file is delivered under: a .partial file
// under its segment's name, as PostgreSQL asks for it.
func segmentOf(name string) string {
	if n, err := walname.Parse(name); err == nil && n.Kind == walname.Partial {
		return n.Segment().String()
	}
	return name
}

// add records the segment read from the file name as written.
func (res *Result) add(p *Plan, name string, sc *walscan.Scanner) {
	res.Segments = append(res.Segments, segmentOf(name))
	switch {
	case name == p.Partial:
		res.Partial = name
		if !p.NoScan {
			_, res.PartialEnd = sc.LastRecord()
		}
	case !hasName(p.Archived, name):
		res.Streamed = append(res.Streamed, name)
	}
}

// timeOf is the time of an archived or streamed file.
func (p *Plan) timeOf(name string) time.Time {
	if t, ok := p.Archived[name]; ok {
		return t
	}
	return p.Streamed[name]
}

// Histories returns the archived and streamed history files (all of
// them, as Barman copies them: PostgreSQL reads them to find the latest
// timeline).
func (p *Plan) Histories() []string {
	var out []string
	for _, files := range []map[string]time.Time{p.Archived, p.Streamed} {
		for name := range files {
			if walname.Classify(name) == walname.History && !slices.Contains(out, name) {
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Prepare decompresses the segments recovery needs into sink, reading
// their records to find the target, and stops at the segment where it is
// reached. Several segments are decompressed at once (Jobs); they are
// scanned and written in order.
func Prepare(ctx context.Context, p Plan, src Source, sink Sink) (*Result, error) {
	res := &Result{}
	for _, h := range p.Histories() {
		data, err := readAll(src, h)
		if err != nil {
			return res, err
		}
		if err := sink.Put(h, data, p.timeOf(h)); err != nil {
			return res, err
		}
		res.Histories = append(res.Histories, h)
	}
	names, gap, err := p.Segments()
	if err != nil {
		return res, err
	}
	if err := p.checkEnd(names, gap); err != nil {
		return res, err
	}
	stop, err := p.stopper()
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	type job struct {
		name string
		data []byte
		err  error
		done chan struct{}
	}
	jobs := make(chan *job, max(p.Jobs, 1))
	g, gctx := errgroup.WithContext(ctx)
	// Segment buffers are reused: one per job being decompressed, plus the
	// ones waiting in order and the one being written.
	bufs := make(chan []byte, max(p.Jobs, 1)+2)
	for range cap(bufs) {
		bufs <- fsutil.AlignedBuffer(int(p.SegSize) + 1)
	}
	g.Go(func() error {
		defer close(jobs)
		for _, name := range names {
			j := &job{name: name, done: make(chan struct{})}
			var buf []byte
			select {
			case buf = <-bufs:
			case <-gctx.Done():
				return nil
			}
			go func() {
				defer close(j.done)
				j.data, j.err = readSegment(src, j.name, buf)
				if j.err == nil && uint64(len(j.data)) != p.SegSize {
					j.err = fmt.Errorf("%s WAL segment %s of server %s has %d bytes once decompressed, not %d: it is damaged; recover to a target before it", p.origin(j.name), j.name, p.Server, len(j.data), p.SegSize)
				}
			}()
			select {
			case jobs <- j:
			case <-gctx.Done():
				return nil
			}
		}
		return nil
	})
	sc, err := walscan.NewScanner(p.SegSize)
	if err != nil {
		return res, err
	}
	extra := 0 // segments still wanted after the target was reached
	var consumeErr error
	finished := false
	for j := range jobs {
		<-j.done
		if consumeErr != nil || finished {
			bufs <- j.data[:cap(j.data)]
			continue
		}
		if j.err != nil {
			consumeErr = j.err
			cancel()
			continue
		}
		var events []walscan.Event
		if !p.NoScan {
			events, err = sc.Feed(j.name, j.data)
		}
		if err != nil {
			consumeErr = fmt.Errorf("read the records of WAL segment %s: %w", j.name, err)
			cancel()
			continue
		}
		seg := segmentOf(j.name)
		err = sink.Put(seg, j.data, p.timeOf(j.name))
		res.Bytes += int64(len(j.data))
		bufs <- j.data[:cap(j.data)]
		if err != nil {
			consumeErr = err
			cancel()
			continue
		}
		res.add(&p, j.name, sc)
		if res.Reached != nil {
			extra--
		} else if ev, more, err := stop(j.name, events); err != nil {
			consumeErr = err
		} else if ev != nil {
			res.Reached, extra = ev, more
		}
		if consumeErr != nil || (res.Reached != nil && extra <= 0) {
			finished = true
			cancel()
		}
	}
	g.Wait()
	if consumeErr != nil {
		return res, consumeErr
	}
	if res.Reached == nil && !(p.NoScan && gap == "") {
		if err := p.notReached(res, gap); err != nil {
			return res, err
		}
	}
	return res, nil
}

// readSegment decompresses a segment into buf (one byte longer than a
// segment, to see a file that is too long) and returns the bytes read.
func readSegment(src Source, name string, buf []byte) ([]byte, error) {
	r, err := src.Open(name)
	if err != nil {
		return buf[:0], err
	}
	defer r.Close()
	n, err := io.ReadFull(r, buf)
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		err = nil
	}
	if err != nil {
		return buf[:0], fmt.Errorf("decompress WAL file %s: %w", name, err)
	}
	return buf[:n], nil
}

func readAll(src Source, name string) ([]byte, error) {
	r, err := src.Open(name)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decompress WAL file %s: %w", name, err)
	}
	return data, nil
}

// checkEnd refuses a recovery that cannot even reach the end of the
// backup: a segment from begin_wal to end_wal is missing.
func (p *Plan) checkEnd(names []string, gap string) error {
	end, err := walname.Parse(p.EndWAL)
	if err != nil {
		return fmt.Errorf("the backup's end_wal: %w", err)
	}
	have := uint64(0)
	if len(names) > 0 {
		n, _ := walname.Parse(names[len(names)-1])
		have = segno(n, p.SegSize) + 1
	}
	if have > segno(end, p.SegSize) {
		return nil
	}
	missing := gap
	if missing == "" {
		missing = nameOf(p.Chain.TLIFor(have, p.SegSize), have, p.SegSize)
		if len(names) == 0 {
			missing = p.BeginWAL
		}
	}
	return fmt.Errorf("WAL segment %s, needed to make the backup consistent (%s to %s), is not archived for server %s: run 'barman check-backup %s <ID>', archive it ('barman cron'), or recover another backup", missing, p.BeginWAL, p.EndWAL, p.Server, p.Server)
}

// stopper returns the test that says, after each segment, whether the
// target was reached in it, and how many segments to take after it.
func (p *Plan) stopper() (func(name string, events []walscan.Event) (*walscan.Event, int, error), error) {
	t := p.Target
	end, err := walname.Parse(p.EndWAL)
	if err != nil {
		return nil, err
	}
	endTLI := end
	return func(name string, events []walscan.Event) (*walscan.Event, int, error) {
		n, _ := walname.Parse(name)
		switch t.Kind() {
		case "immediate":
			if segno(n, p.SegSize) >= segno(endTLI, p.SegSize) {
				return &walscan.Event{LSN: p.EndLSN}, 0, nil
			}
		case "lsn":
			start, _ := n.StartLSN(p.SegSize)
			if t.LSN < start+walname.LSN(p.SegSize) {
				// The record at the target may end in the next segment.
				return &walscan.Event{LSN: t.LSN}, 1, nil
			}
		case "time":
			for i, e := range events {
				if (e.Kind != walscan.Commit && e.Kind != walscan.Abort) || e.LSN < p.EndLSN {
					continue
				}
				if e.Time.After(t.Time) || (t.Exclusive && e.Time.Equal(t.Time)) {
					return &events[i], 0, nil
				}
			}
		case "xid":
			for i, e := range events {
				if (e.Kind == walscan.Commit || e.Kind == walscan.Abort) && e.XID == t.XID {
					if e.LSN < p.EndLSN {
						return nil, 0, fmt.Errorf("transaction %d ended at %s, before the backup was consistent (%s): no recovery from this backup can stop there; use an older backup", t.XID, e.LSN, p.EndLSN)
					}
					return &events[i], 0, nil
				}
			}
		case "name":
			for i, e := range events {
				if e.Kind == walscan.RestorePoint && e.Name == t.Name {
					if e.LSN < p.EndLSN {
						return nil, 0, fmt.Errorf("restore point '%s' was created at %s, before the backup was consistent (%s): use an older backup", t.Name, e.LSN, p.EndLSN)
					}
					return &events[i], 0, nil
				}
			}
		}
		return nil, 0, nil
	}, nil
}

// notReached decides what a target that the archived WAL does not reach
// means: an error (xid, name, and any target behind a gap), or a warning
// and a recovery to the end of the archive (time, lsn).
func (p *Plan) notReached(res *Result, gap string) error {
	t := p.Target
	last := res.Last()
	switch {
	case gap != "":
		what := "the end of the archive"
		if t.Kind() != "" {
			what = "the target"
		}
		return fmt.Errorf("WAL segment %s is missing from the archive of server %s: recovery cannot go past it to %s. Recover to a target before it (for instance --target-lsn of the end of %s), or put the segment back into the archive", gap, p.Server, what, last)
	case t.Kind() == "xid":
		return fmt.Errorf("transaction %d never committed nor aborted in the archived WAL from %s to %s: PostgreSQL would not finish the recovery. Check the xid (txid_current() shows it before COMMIT), or wait until its WAL is archived ('barman switch-wal --archive')", t.XID, p.BeginWAL, last)
	case t.Kind() == "name":
		return fmt.Errorf("restore point '%s' is not in the archived WAL from %s to %s: create it with pg_create_restore_point(), archive its WAL ('barman switch-wal --archive'), then recover", t.Name, p.BeginWAL, last)
	case t.Kind() == "time":
		res.Dropped = true
		res.Warning = fmt.Sprintf("no transaction ended after %s in the archived WAL (to %s): recovering to the end of the archive instead, which is the latest state known at that time", FormatTime(t.Time), last)
	case t.Kind() == "lsn":
		res.Dropped = true
		res.Warning = fmt.Sprintf("target LSN %s is past the archived WAL (to %s): recovering to the end of the archive instead", t.LSN, last)
	}
	return nil
}
