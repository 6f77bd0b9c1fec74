package archive

import (
	"sort"
	"time"

	"github.com/gobarman/barman/pkg/catalog"
)

// sortEntries orders xlog.db lines by name, as a rebuild writes them.
func sortEntries(e []catalog.WALEntry) {
	sort.Slice(e, func(i, j int) bool { return e[i].Name < e[j].Name })
}

func unixTime(sec int64) time.Time { return time.Unix(sec, 0) }
