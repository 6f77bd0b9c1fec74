package restore

import (
	"fmt"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gobarman/barman/pkg/stream"
)

// Mapping says where the files of a backup go.
type Mapping struct {
	Dest        string            // PGDATA destination
	Tablespaces map[uint32]string // tablespace OID → destination location
}

// Target returns the destination path of a manifest path ("data/...",
// "<oid>/..."), and the OID of its tablespace (0 for PGDATA). It refuses a
// path that would leave its destination.
func (m Mapping) Target(p string) (string, uint32, error) {
	clean := path.Clean(p)
	if clean != p || path.IsAbs(p) || clean == ".." || strings.HasPrefix(clean, "../") || p == "" {
		return "", 0, fmt.Errorf("manifest path %q is not a clean relative path", p)
	}
	root, rest, _ := strings.Cut(p, "/")
	if root == "data" {
		return filepath.Join(m.Dest, filepath.FromSlash(rest)), 0, nil
	}
	oid, err := strconv.ParseUint(root, 10, 32)
	if err != nil {
		return "", 0, fmt.Errorf("manifest path %q is neither under data/ nor under a tablespace OID", p)
	}
	loc, ok := m.Tablespaces[uint32(oid)]
	if !ok {
		return "", 0, fmt.Errorf("manifest path %q belongs to tablespace %d, which the backup does not list", p, oid)
	}
	return filepath.Join(loc, filepath.FromSlash(rest)), uint32(oid), nil
}

// absolute refuses a relative destination or tablespace location: on a
// remote host it would be taken relative to wherever the SSH session
// starts (tar -C /), not to the directory barman runs in.
func (m Mapping) absolute() error {
	if !filepath.IsAbs(m.Dest) {
		return fmt.Errorf("remote destination %q is a relative path: give an absolute path on the destination host", m.Dest)
	}
	for oid, loc := range m.Tablespaces {
		if !filepath.IsAbs(loc) {
			return fmt.Errorf("remote location %q of tablespace %d is a relative path: give an absolute path on the destination host", loc, oid)
		}
	}
	return nil
}

// tablespaceLink reports whether rec is the pg_tblspc/<oid> link of a
// mapped tablespace, and the link target to write instead of the
// recorded one.
func (m Mapping) tablespaceLink(rec *stream.BackupFile) (string, bool) {
	dir, base := path.Split(rec.Path)
	if dir != "data/pg_tblspc/" {
		return "", false
	}
	oid, err := strconv.ParseUint(base, 10, 32)
	if err != nil {
		return "", false
	}
	loc, ok := m.Tablespaces[uint32(oid)]
	return loc, ok
}

// TablespaceMap returns the content of a tablespace_map that points every
// tablespace to its destination ("<oid> <path>" lines, with backslash and
// newline escaped as PostgreSQL writes them).
func (m Mapping) TablespaceMap(oids []uint32) []byte {
	var b strings.Builder
	for _, oid := range oids {
		loc := m.Tablespaces[oid]
		loc = strings.NewReplacer(`\`, `\\`, "\n", "\\\n", "\r", "\\\r").Replace(loc)
		fmt.Fprintf(&b, "%d %s\n", oid, loc)
	}
	return []byte(b.String())
}
