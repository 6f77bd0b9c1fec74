package walfile

import (
	"encoding/binary"
	"fmt"

	"github.com/gobarman/barman/pkg/walname"
)

// Synthetic returns a segment that passes Check: a PostgreSQL 15 long page
// header for the segment name gives, with system identifier sysid, then
// filler derived from seed. It is for tests and benchmarks that need many
// valid segments quickly; real WAL comes from a real server.
func Synthetic(name string, sysid uint64, segSize uint32, seed byte) ([]byte, error) {
	n, err := walname.Parse(name)
	if err != nil {
		return nil, err
	}
	start, err := n.StartLSN(uint64(segSize))
	if err != nil {
		return nil, fmt.Errorf("synthetic segment %s: %w", name, err)
	}
	b := make([]byte, segSize)
	le := binary.LittleEndian
	le.PutUint16(b[0:], 0xD110)
	le.PutUint16(b[2:], xlpLongHeader)
	le.PutUint32(b[4:], n.Timeline)
	le.PutUint64(b[8:], uint64(start))
	le.PutUint64(b[24:], sysid)
	le.PutUint32(b[32:], segSize)
	le.PutUint32(b[36:], 8192)
	for i := 64; i < len(b); i += 97 {
		b[i] = seed + byte(i)
	}
	return b, nil
}
