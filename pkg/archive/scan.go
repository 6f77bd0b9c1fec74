package archive

import (
	"os"
	"sort"
	"strings"

	"github.com/gobarman/barman/pkg/walname"
)

// Scan lists the files of an incoming directory to process, sorted by
// name (a monotonic WAL stream). Hidden and *.tmp files are skipped (they
// are being written). For a streaming directory (pg_receivewal's), the
// newest .partial file is left, and when there is none, the newest
// complete segment: pg_receivewal needs it to resume.
func Scan(dir string, streaming bool, batch int) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range ents {
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".tmp") || e.IsDir() {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	if streaming {
		names = holdBackStreaming(names)
	}
	if batch > 0 && len(names) > batch {
		names = names[:batch]
	}
	return names, nil
}

func holdBackStreaming(names []string) []string {
	lastPartial, lastSeg := -1, -1
	for i, n := range names {
		switch walname.Classify(n) {
		case walname.Partial:
			lastPartial = i
		case walname.Segment:
			lastSeg = i
		}
	}
	hold := lastPartial
	if hold < 0 {
		hold = lastSeg
	}
	if hold < 0 {
		return names
	}
	return append(names[:hold:hold], names[hold+1:]...)
}
