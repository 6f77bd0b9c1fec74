package barman

import (
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/server"
)

// lastBackupSize returns the size of the newest DONE backup (0 if none).
func lastBackupSize(env *Env, s *server.Server) int64 {
	backups, _ := s.Layout.ListBackups()
	for i := len(backups) - 1; i >= 0; i-- {
		if backups[i].Status() == catalog.StatusDone {
			n, _ := backups[i].Size()
			return n
		}
	}
	return 0
}

// walSize returns the size of the WAL archive in bytes, from xlog.db.
func walSize(env *Env, s *server.Server) int64 {
	entries, _ := s.Layout.ReadXlogDB()
	var n int64
	for _, e := range entries {
		n += e.Size
	}
	return n
}
