package basebackup

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/gobarman/barman/pkg/walname"
)

// The response to BASE_BACKUP (PostgreSQL 15, TARGET 'client'):
//
//	result set 0: start position (recptr text, tli int8)
//	result set 1: tablespaces (spcoid oid, spclocation text, size int8 kB);
//	              the main data directory is the last row, with NULL oid
//	CopyOutResponse, then CopyData messages whose first byte is
//	  'n' new archive: archive name, tablespace location ("" for PGDATA)
//	  'd' data of the current archive, or of the manifest after 'm'
//	  'p' progress: Int64 bytes done so far
//	  'm' the manifest starts
//	CopyDone
//	result set 2: end position (recptr, tli)
//	CommandComplete, ReadyForQuery
const (
	setStart = iota
	setTablespaces
	setEnd
)

// streamSession is one BASE_BACKUP exchange.
type streamSession struct {
	conn     *pgconn.PgConn
	conninfo string
	opt      StreamOptions
	sink     *Sink
	res      *StreamResult

	sets     [][][]byte // rows of the result set being read
	inSet    bool
	nsets    int
	copying  bool
	total    int64             // progress estimate, bytes
	byOID    map[uint32]string // tablespace location by oid
	names    map[uint32]string
	arch     *archive
	sawBase  bool
	manifest *bytes.Buffer // non-nil once 'm' was received
}

// run sends the command and processes the response until ReadyForQuery.
func (s *streamSession) run(ctx context.Context, command string) error {
	s.conn.Frontend().Send(&pgproto3.Query{String: command})
	if err := s.conn.Frontend().Flush(); err != nil {
		return fmt.Errorf("sending BASE_BACKUP: %w", err)
	}
	for {
		msg, err := s.conn.ReceiveMessage(context.Background())
		if err != nil {
			return fmt.Errorf("connection lost during the backup: %w", err)
		}
		done, err := s.handle(ctx, msg)
		if err != nil || done {
			return err
		}
	}
}

func (s *streamSession) handle(ctx context.Context, msg pgproto3.BackendMessage) (done bool, err error) {
	switch m := msg.(type) {
	case *pgproto3.RowDescription:
		s.sets, s.inSet = nil, true
	case *pgproto3.DataRow:
		s.sets = append(s.sets, cloneRow(m.Values))
	case *pgproto3.CommandComplete:
		return false, s.endResultSet(ctx)
	case *pgproto3.CopyOutResponse:
		if s.copying || s.nsets != setEnd {
			return false, errors.New("unexpected COPY response to BASE_BACKUP: is the server PostgreSQL 15 or later?")
		}
		s.copying = true
	case *pgproto3.CopyData:
		return false, s.copyData(m.Data)
	case *pgproto3.CopyDone:
		return false, s.copyDone()
	case *pgproto3.ErrorResponse:
		return false, serverError(pgconn.ErrorResponseToPgError(m))
	case *pgproto3.ReadyForQuery:
		if s.nsets != setEnd+1 {
			return false, errors.New("incomplete response to BASE_BACKUP: no end position")
		}
		return true, nil
	}
	return false, nil
}

func cloneRow(values [][]byte) [][]byte {
	row := make([][]byte, len(values))
	for i, v := range values {
		row[i] = bytes.Clone(v)
	}
	return row
}

// endResultSet handles a complete result set; a CommandComplete without a
// row description (BASE_BACKUP's own) is ignored.
func (s *streamSession) endResultSet(ctx context.Context) error {
	if !s.inSet {
		return nil
	}
	rows := s.sets
	s.inSet, s.sets = false, nil
	n := s.nsets
	s.nsets++
	switch n {
	case setStart:
		lsn, tli, err := parsePosition(rows)
		s.res.StartLSN, s.res.Timeline = lsn, tli
		return err
	case setTablespaces:
		return s.tablespaces(ctx, rows)
	case setEnd:
		if !s.copying {
			return errors.New("BASE_BACKUP sent no data")
		}
		lsn, tli, err := parsePosition(rows)
		s.res.EndLSN, s.res.EndTimeline = lsn, tli
		return err
	}
	return fmt.Errorf("unexpected result set #%d from BASE_BACKUP", n+1)
}

// parsePosition reads a (recptr, tli) row.
func parsePosition(rows [][][]byte) (walname.LSN, uint32, error) {
	if len(rows) != 1 || len(rows[0]) < 2 {
		return 0, 0, fmt.Errorf("BASE_BACKUP: malformed WAL position (%d rows)", len(rows))
	}
	lsn, err := walname.ParseLSN(string(rows[0][0]))
	if err != nil {
		return 0, 0, fmt.Errorf("BASE_BACKUP: %w", err)
	}
	tli, err := strconv.ParseUint(string(rows[0][1]), 10, 32)
	if err != nil {
		return 0, 0, fmt.Errorf("BASE_BACKUP: invalid timeline %q", rows[0][1])
	}
	return lsn, uint32(tli), nil
}

// tablespaces reads the tablespace list, sums the size estimate, and
// looks up the names when there are tablespaces besides PGDATA.
func (s *streamSession) tablespaces(ctx context.Context, rows [][][]byte) error {
	s.byOID = map[uint32]string{}
	for _, row := range rows {
		if len(row) < 3 {
			return errors.New("BASE_BACKUP: malformed tablespace list")
		}
		if kb, err := strconv.ParseInt(string(row[2]), 10, 64); err == nil {
			s.total += kb * 1024
		}
		if row[0] == nil {
			continue // the main data directory
		}
		oid, err := strconv.ParseUint(string(row[0]), 10, 32)
		if err != nil {
			return fmt.Errorf("BASE_BACKUP: invalid tablespace oid %q", row[0])
		}
		s.byOID[uint32(oid)] = string(row[1])
	}
	if len(s.byOID) > 0 {
		s.names = lookupTablespaceNames(ctx, s.conninfo)
	}
	for oid, loc := range s.byOID {
		s.res.Tablespaces = append(s.res.Tablespaces, Tablespace{OID: oid, Name: s.names[oid], Location: loc})
	}
	slices.SortFunc(s.res.Tablespaces, func(a, b Tablespace) int { return cmp.Compare(a.OID, b.OID) })
	return nil
}

// copyData dispatches one CopyData message on its type byte. The payload
// is only valid until the next message is received: archive data is
// consumed before archive.write returns.
func (s *streamSession) copyData(data []byte) error {
	if !s.copying || len(data) == 0 {
		return errors.New("BASE_BACKUP: unexpected data message")
	}
	switch data[0] {
	case 'n':
		return s.newArchive(data[1:])
	case 'd':
		return s.archiveData(data[1:])
	case 'p':
		return s.progress(data[1:])
	case 'm':
		if err := s.finishArchive(); err != nil {
			return err
		}
		s.manifest = new(bytes.Buffer)
		return nil
	}
	return fmt.Errorf("BASE_BACKUP: unknown message type %q in the COPY stream", data[0])
}

func (s *streamSession) archiveData(p []byte) error {
	switch {
	case s.manifest != nil:
		s.manifest.Write(p)
		return nil
	case s.arch == nil:
		return errors.New("BASE_BACKUP: archive data before any archive")
	}
	return s.arch.write(p)
}

func (s *streamSession) progress(p []byte) error {
	if len(p) < 8 {
		return errors.New("BASE_BACKUP: short progress message")
	}
	if s.opt.Progress != nil {
		s.opt.Progress(int64(binary.BigEndian.Uint64(p)), s.total)
	}
	return nil
}

// newArchive starts extracting the next tar archive: base.tar for PGDATA,
// <oid>.tar for a tablespace.
func (s *streamSession) newArchive(p []byte) error {
	if err := s.finishArchive(); err != nil {
		return err
	}
	if s.manifest != nil {
		return errors.New("BASE_BACKUP: archive after the manifest")
	}
	name, rest, ok1 := cutCString(p)
	location, _, ok2 := cutCString(rest)
	if !ok1 || !ok2 {
		return errors.New("BASE_BACKUP: malformed new-archive message")
	}
	oid, err := s.archiveOID(name, location)
	if err != nil {
		return err
	}
	s.sawBase = s.sawBase || oid == 0
	a, err := s.startArchive(name, oid, s.names[oid])
	if err != nil {
		return err
	}
	s.arch = a
	return nil
}

func cutCString(p []byte) (string, []byte, bool) {
	i := bytes.IndexByte(p, 0)
	if i < 0 {
		return "", nil, false
	}
	return string(p[:i]), p[i+1:], true
}

// archiveOID finds the tablespace an archive belongs to: by location in
// the tablespace list, else by its name "<oid>.tar"; "" is PGDATA.
func (s *streamSession) archiveOID(name, location string) (uint32, error) {
	if location == "" {
		return 0, nil
	}
	for oid, loc := range s.byOID {
		if loc == location {
			return oid, nil
		}
	}
	base, _, _ := strings.Cut(name, ".")
	if oid, err := strconv.ParseUint(base, 10, 32); err == nil && oid != 0 {
		return uint32(oid), nil
	}
	return 0, fmt.Errorf("BASE_BACKUP: archive %q of unknown tablespace %q", name, location)
}

// copyDone ends the COPY stream: the last archive is complete, the
// manifest (if any) is written.
func (s *streamSession) copyDone() error {
	if err := s.finishArchive(); err != nil {
		return err
	}
	if !s.sawBase {
		return errors.New("BASE_BACKUP: no archive for the data directory")
	}
	if s.opt.Manifest {
		if s.manifest == nil {
			return errors.New("BASE_BACKUP: the server sent no backup manifest")
		}
		s.res.Manifest = s.manifest.Bytes()
		e := Entry{Path: "backup_manifest", Mode: 0o600, Size: int64(s.manifest.Len()), MTime: hostClock()}
		if err := s.sink.File(e, bytes.NewReader(s.res.Manifest)); err != nil {
			return err
		}
		s.res.Files++
		s.res.Bytes += e.Size
	}
	return nil
}

// finishArchive waits for the current archive's extraction and collects
// what it learned.
func (s *streamSession) finishArchive() error {
	a := s.arch
	if a == nil {
		return nil
	}
	s.arch = nil
	if err := a.finish(); err != nil {
		return err
	}
	s.res.Files += a.files
	s.res.Bytes += a.bytes
	if a.oid == 0 {
		if !a.sawControl {
			return errors.New("BASE_BACKUP: global/pg_control missing from the data directory archive")
		}
		s.res.BackupLabel, s.res.TablespaceMap = a.label, a.tsmap
	}
	return nil
}

// abortArchive stops an extraction in progress after err.
func (s *streamSession) abortArchive(err error) {
	if s.arch != nil {
		s.arch.abort(err)
		s.arch = nil
	}
}
