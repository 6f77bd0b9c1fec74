package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// XlogDBFind reads the xlog.db at path and returns the entries it has for
// names (the last one when a name is listed twice), without keeping the
// other lines: what reading one archived file back needs to know of a big
// catalogue. A missing file lists nothing.
func XlogDBFind(path string, names ...string) (map[string]WALEntry, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]WALEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read xlog.db: %w", err)
	}
	defer f.Close()
	want := make(map[string]bool, len(names))
	for _, n := range names {
		want[n] = true
	}
	found := map[string]WALEntry{}
	var bad error
	err = scanXlogDB(f, path, want, func(n string, line []byte) {
		e, perr := ParseXlogDBLine(string(line)) // a copy: line is reused
		switch {
		case perr == nil:
			found[n] = e
		case bad == nil:
			bad = fmt.Errorf("%s: the line of %s: %v", path, n, perr)
		}
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, err
	}
	return found, nil
}
