package walfile

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/walname"
)

// realSegment returns a segment archived by a real PostgreSQL 15 with
// 1 MiB segments, its name and the cluster's system identifier.
func realSegment(t *testing.T) (string, []byte, uint64) {
	t.Helper()
	dir := pgtest.TempDir(t)
	pgtest.ChownToOSUser(t, dir)
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + dir + "/%f", InitdbArgs: []string{"--wal-segsize=1"}})
	pg.SQL(t, "CREATE TABLE t AS SELECT generate_series(1, 1000) AS x")
	name := pg.SQL(t, "SELECT pg_walfile_name(pg_current_wal_lsn())")
	pg.SQL(t, "SELECT pg_switch_wal()")
	sysid, _ := strconv.ParseUint(pg.SystemID(t), 10, 64)
	for i := 0; i < 200; i++ {
		if data, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(data) == 1<<20 {
			return name, data, sysid
		}
		pg.SQL(t, "SELECT pg_sleep(0.05)")
	}
	t.Fatalf("segment %s not archived", name)
	return "", nil, 0
}

func TestCheckRealSegment(t *testing.T) {
	name, seg, sysid := realSegment(t)
	info, err := Check(name, seg, int64(len(seg)), Expect{SystemID: sysid})
	if err != nil {
		t.Fatalf("real segment rejected: %v", err)
	}
	if info.Version != 15 || info.SystemID != sysid || info.SegSize != 1<<20 {
		t.Errorf("info %+v", info)
	}
	n, _ := walname.Parse(name)
	next, _ := n.Next(1 << 20)
	zero := make([]byte, len(seg))
	mod := func(f func(b []byte)) []byte {
		b := append([]byte(nil), seg...)
		f(b)
		return b
	}
	cases := []struct {
		what string
		name string
		data []byte
		size int64
		exp  Expect
		code string
	}{
		{"another cluster", name, seg, int64(len(seg)), Expect{SystemID: sysid + 1}, CodeForeignCluster},
		{"another segment size", name, seg, int64(len(seg)), Expect{SegmentSize: 16 << 20}, CodeForeignCluster},
		{"truncated", name, seg[:len(seg)/2], int64(len(seg) / 2), Expect{}, CodeTruncated},
		{"tiny", name, seg[:10], 10, Expect{}, CodeTruncated},
		{"zero-filled", name, zero, int64(len(zero)), Expect{}, CodeZero},
		{"renamed", next.String(), seg, int64(len(seg)), Expect{}, CodeMisplaced},
		{"bad magic", name, mod(func(b []byte) { b[0], b[1] = 0x12, 0x34 }), int64(len(seg)), Expect{}, CodeNotWAL},
		{"text file", name, []byte(strings.Repeat("hello world\n", 10)), 120, Expect{}, CodeNotWAL},
		{"not a WAL name", "notawal.txt", seg, int64(len(seg)), Expect{}, CodeUnknown},
		{"lower case name", strings.ToLower(name) + "x", seg, int64(len(seg)), Expect{}, CodeUnknown},
		{"bad history", "00000002.history", []byte("garbage\n"), 8, Expect{}, CodeNotWAL},
		{"bad label", name + ".00000028.backup", []byte("x"), 1, Expect{}, CodeNotWAL},
	}
	for _, c := range cases {
		t.Run(c.what, func(t *testing.T) {
			_, err := Check(c.name, c.data, c.size, c.exp)
			var p *Problem
			if !errors.As(err, &p) || p.Code != c.code {
				t.Fatalf("err = %v, want code %s", err, c.code)
			}
			if p.Msg == "" || p.Hint == "" {
				t.Errorf("problem lacks message or hint: %+v", p)
			}
		})
	}
}

func TestCheckTextFiles(t *testing.T) {
	hist := "1\t0/3000000\tno recovery target specified\n\n2\t0/5000000\tat restore point\n"
	if _, err := Check("00000003.history", []byte(hist), int64(len(hist)), Expect{}); err != nil {
		t.Errorf("history: %v", err)
	}
	label := "START WAL LOCATION: 0/6000028 (file 000000010000000000000006)\nSTOP WAL LOCATION: 0/7000000\n"
	if _, err := Check("000000010000000000000006.00000028.backup", []byte(label), int64(len(label)), Expect{}); err != nil {
		t.Errorf("label: %v", err)
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("000000010000000000000001", []byte{0x10, 0xD1, 2, 0, 1, 0, 0, 0}, int64(40))
	f.Add("00000002.history", []byte("1\t0/1\tx\n"), int64(7))
	f.Fuzz(func(t *testing.T, name string, head []byte, size int64) {
		_, err := Check(name, head, size, Expect{})
		if err != nil {
			var p *Problem
			if !errors.As(err, &p) || p.Code == "" {
				t.Fatalf("error without a code: %v", err)
			}
		}
	})
}
