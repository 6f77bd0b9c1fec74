package catalog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/fsutil"
)

// Identity is the content of <backup_directory>/identity.json, which
// Barman writes once, when it first sees the server, and then checks
// ("systemid coherence").
type Identity struct {
	SystemID string `json:"systemid"` // PostgreSQL system identifier
	Version  string `json:"version"`  // major version, e.g. "15" or "9.6"
}

// Marshal returns the file content as Barman writes it with Python's
// json.dump(indent=4, sort_keys=True) and a final newline.
func (id Identity) Marshal() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	_ = enc.Encode(id) // cannot fail: two strings
	return buf.Bytes()
}

// IdentityPath returns the path of identity.json.
func (l *Layout) IdentityPath() string { return filepath.Join(l.dirs.Backup, "identity.json") }

// ReadIdentity reads identity.json.
func (l *Layout) ReadIdentity() (Identity, error) {
	path := l.IdentityPath()
	data, err := os.ReadFile(path)
	if err != nil {
		return Identity{}, fmt.Errorf("read identity: %w", err)
	}
	var id Identity
	if err := json.Unmarshal(data, &id); err != nil {
		return Identity{}, fmt.Errorf("parse %s: %w", path, err)
	}
	return id, nil
}

// WriteIdentity writes identity.json atomically.
func (l *Layout) WriteIdentity(id Identity) error {
	return fsutil.WriteFileAtomic(l.IdentityPath(), id.Marshal(), 0o644)
}
