package basebackup

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// fakeSession is a session past the result sets, in COPY mode, as the
// server leaves it before the first archive; no connection is needed.
func fakeSession(t *testing.T, manifest bool) *streamSession {
	return &streamSession{opt: StreamOptions{Manifest: manifest}, sink: &Sink{Dir: t.TempDir()},
		res: &StreamResult{}, copying: true, nsets: setEnd, byOID: map[uint32]string{16384: "/srv/tbs"},
		names: map[uint32]string{16384: "tbs1"}}
}

type tarFile struct {
	name, body string
	typ        byte
}

// tarStream is a tar archive as the server sends it: no end blocks.
func tarStream(t *testing.T, files ...tarFile) []byte {
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, f := range files {
		h := &tar.Header{Name: f.name, Typeflag: f.typ, Mode: 0o600, ModTime: time.Unix(1700000000, 0)}
		switch f.typ {
		case tar.TypeReg:
			h.Size = int64(len(f.body))
		case tar.TypeSymlink:
			h.Linkname = f.body
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, f.body)
	}
	tw.Flush()
	return b.Bytes()
}

func msg(typ byte, parts ...string) []byte {
	return append([]byte{typ}, strings.Join(parts, "")...)
}

// feed sends an archive in small CopyData chunks.
func feed(s *streamSession, archive, location string, data []byte) error {
	if err := s.copyData(msg('n', archive, "\x00", location, "\x00")); err != nil {
		return err
	}
	for len(data) > 0 {
		n := min(len(data), 700)
		if err := s.copyData(append([]byte{'d'}, data[:n]...)); err != nil {
			return err
		}
		data = data[n:]
	}
	return nil
}

var pgdataFiles = []tarFile{
	{"backup_label", "START WAL LOCATION: 0/2000028 (file 000000010000000000000002)\n", tar.TypeReg},
	{"tablespace_map", "16384 /srv/tbs\n", tar.TypeReg},
	{"base", "", tar.TypeDir},
	{"base/1/1259", strings.Repeat("x", 9000), tar.TypeReg},
	{"pg_tblspc", "", tar.TypeDir},
	{"pg_tblspc/16384", "/srv/tbs", tar.TypeSymlink},
	{"global/pg_control", "control", tar.TypeReg},
}

func TestStreamCopyMessages(t *testing.T) {
	s := fakeSession(t, true)
	if err := feed(s, "16384.tar", "/srv/tbs", tarStream(t, tarFile{"PG_15_202209061/5/16385", "rel", tar.TypeReg})); err != nil {
		t.Fatal(err)
	}
	if err := feed(s, "base.tar", "", tarStream(t, pgdataFiles...)); err != nil {
		t.Fatal(err)
	}
	progress := binary.BigEndian.AppendUint64([]byte{'p'}, 12345)
	for _, m := range [][]byte{progress, {'m'}, msg('d', `{"PostgreSQL-Backup-`), msg('d', `Manifest-Version": 1}`)} {
		if err := s.copyData(m); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.copyDone(); err != nil {
		t.Fatal(err)
	}
	r := s.res
	if !strings.HasPrefix(r.BackupLabel, "START WAL") || r.TablespaceMap != "16384 /srv/tbs\n" ||
		string(r.Manifest) != `{"PostgreSQL-Backup-Manifest-Version": 1}` || r.Files != 6 {
		t.Errorf("result %+v", r)
	}
	for _, p := range []string{"16384/PG_15_202209061/5/16385", "data/base/1/1259", "data/backup_manifest"} {
		if _, err := os.Stat(filepath.Join(s.sink.Dir, p)); err != nil {
			t.Error(err)
		}
	}
	if l, err := os.Readlink(filepath.Join(s.sink.Dir, "data/pg_tblspc/16384")); l != "/srv/tbs" {
		t.Errorf("pg_tblspc link %q, %v", l, err)
	}
}

// TestStreamCopyErrors: a truncated archive, a missing pg_control or
// manifest, an unknown message are errors, never a clean end.
func TestStreamCopyErrors(t *testing.T) {
	full := tarStream(t, pgdataFiles...)
	tests := []struct {
		name string
		run  func(s *streamSession) error
		want string
	}{
		{"truncated", func(s *streamSession) error { return feed(s, "base.tar", "", full[:len(full)-600]) }, "unexpected EOF"},
		{"no pg_control", func(s *streamSession) error { return feed(s, "base.tar", "", tarStream(t, pgdataFiles[:4]...)) }, "pg_control missing"},
		{"no manifest", func(s *streamSession) error { return feed(s, "base.tar", "", full) }, "no backup manifest"},
		{"unknown type", func(s *streamSession) error { return s.copyData([]byte("x")) }, "unknown message type"},
		{"no base", func(s *streamSession) error { return nil }, "no archive for the data directory"},
	}
	for _, tc := range tests {
		s := fakeSession(t, true)
		err := tc.run(s)
		if err == nil {
			err = s.copyDone()
		}
		s.abortArchive(errors.New("aborted"))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestStreamMemory streams a 64 MiB file: what is allocated must not
// grow with the file, the archive is never buffered.
func TestStreamMemory(t *testing.T) {
	const size = 64 << 20
	s := fakeSession(t, false)
	pr, pw := io.Pipe()
	go func() {
		tw := tar.NewWriter(pw)
		tw.WriteHeader(&tar.Header{Name: "base/1/big", Typeflag: tar.TypeReg, Mode: 0o600, Size: size})
		io.Copy(tw, io.LimitReader(zeros{}, size))
		tw.WriteHeader(&tar.Header{Name: "global/pg_control", Typeflag: tar.TypeReg, Mode: 0o600})
		tw.Flush()
		pw.Close()
	}()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if err := s.copyData(msg('n', "base.tar\x00\x00")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1+32<<10)
	buf[0] = 'd'
	for {
		n, err := io.ReadFull(pr, buf[1:])
		if n > 0 {
			if err := s.copyData(buf[:1+n]); err != nil {
				t.Fatal(err)
			}
		}
		if err != nil {
			break
		}
	}
	if err := s.copyDone(); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	t.Logf("allocated %d bytes", after.TotalAlloc-before.TotalAlloc)
	// The queue between the connection and the disk (8 MiB) and the
	// copy buffers (2 MiB) are the bound.
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 16<<20 || s.res.Bytes != size {
		t.Errorf("allocated %d bytes for a %d-byte file (%d written)", grew, size, s.res.Bytes)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestStreamConnectHint(t *testing.T) {
	tests := []struct {
		err  pgconn.PgError
		want string
	}{
		{pgconn.PgError{Code: "28000", Message: `no pg_hba.conf entry for replication connection from host "10.0.0.1"`}, "host replication barman"},
		{pgconn.PgError{Code: "53300", Message: "number of requested standby connections exceeds max_wal_senders (currently 0)"}, "raise max_wal_senders"},
		{pgconn.PgError{Code: "28P01"}, "password"},
		{pgconn.PgError{Code: "42501"}, "ALTER ROLE barman REPLICATION"},
	}
	for _, tc := range tests {
		if got := connectHint(&tc.err, "barman"); !strings.Contains(got, tc.want) {
			t.Errorf("%s: hint %q, want %q", tc.err.Code, got, tc.want)
		}
	}
}

func TestStreamCommand(t *testing.T) {
	got := baseBackupCommand(StreamOptions{Label: "it's", Fast: true, Manifest: true, MaxRateKBps: 100, Progress: func(int64, int64) {}})
	want := "BASE_BACKUP (LABEL 'it''s', TARGET 'client', PROGRESS, CHECKPOINT 'fast', WAIT false, TABLESPACE_MAP, MANIFEST 'yes', MAX_RATE 100)"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
