package archive

import (
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/config"
)

// LayoutOf returns the catalogue layout of a configured server.
func LayoutOf(cfg *config.Config, s *config.Section) *catalog.Layout {
	return catalog.NewLayout(cfg.Global.Get("barman_home"), s.Name, catalog.Dirs{
		Backup:      s.Get("backup_directory"),
		BaseBackups: s.Get("basebackups_directory"),
		WALs:        s.Get("wals_directory"),
		Incoming:    s.Get("incoming_wals_directory"),
		Streaming:   s.Get("streaming_wals_directory"),
		Errors:      s.Get("errors_directory"),
		XlogDB:      s.Get("xlogdb_directory"),
	})
}
