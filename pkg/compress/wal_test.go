package compress

import (
	"encoding/binary"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

const segmentSize = 16 << 20

// walLike returns n bytes that look like WAL: 8 KiB pages with a page
// header, then records mixing random bytes (tuple data), repeated text and
// small integers; the last third of the pages are zero, like a segment
// switched early. The same n always gives the same bytes.
func walLike(n int) []byte {
	buf := make([]byte, n)
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	used := n - n/3
	for page := 0; page+8192 <= used; page += 8192 {
		binary.LittleEndian.PutUint16(buf[page:], 0xD110)
		binary.LittleEndian.PutUint64(buf[page+8:], uint64(page))
		fillPage(buf[page+24:page+8192], rng)
	}
	return buf
}

func fillPage(p []byte, rng *rand.Rand) {
	text := []byte("pgbench_accounts filler                                  ")
	for len(p) > 64 {
		rec := min(len(p), 64+rng.IntN(400))
		switch rng.IntN(3) {
		case 0:
			for i := range p[:rec] {
				p[i] = byte(rng.Uint32())
			}
		case 1:
			for i := range p[:rec] {
				p[i] = text[i%len(text)]
			}
		default:
			for i := 0; i+4 <= rec; i += 4 {
				binary.LittleEndian.PutUint32(p[i:], uint32(rng.IntN(100000)))
			}
		}
		p = p[rec:]
	}
}

var realSegment = struct {
	once sync.Once
	data []byte
}{}

// realWAL returns a real 16 MiB segment written by PostgreSQL 15 during
// pgbench -i, from a throwaway server (see pgtest.Unavailable where
// PostgreSQL is missing).
func realWAL(t *testing.T) []byte {
	t.Helper()
	realSegment.once.Do(func() {
		pg := pgtest.StartPostgres(t, pgtest.Options{})
		pg.Pgbench(t, "-i", "-s", "1")
		pg.SQL(t, "CHECKPOINT")
		realSegment.data = firstFullSegment(t, filepath.Join(pg.DataDir, "pg_wal"))
	})
	if realSegment.data == nil {
		pgtest.Unavailable(t, "no real WAL segment (see the first test that asked for one)")
	}
	return realSegment.data
}

func firstFullSegment(t *testing.T, dir string) []byte {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, e := range entries {
		if len(e.Name()) == 24 && e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err == nil && len(data) == segmentSize {
			return data
		}
	}
	t.Fatalf("no 16 MiB segment in %s", dir)
	return nil
}
