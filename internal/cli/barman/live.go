package barman

import (
	"context"
	"fmt"
	"github.com/gobarman/barman/pkg/server"

	"github.com/gobarman/barman/pkg/postgres"
)

// liveStatus connects to a server's PostgreSQL and reads its status.
// The connection is bounded by check_timeout (0: no limit).
func liveStatus(ctx context.Context, s *server.Server) (*postgres.Status, error) {
	conninfo := s.Conninfo
	if conninfo == "" {
		return nil, fmt.Errorf("conninfo is not set for server %q", s.Name)
	}
	if t := s.CheckTimeout; t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t)
		defer cancel()
	}
	conn, err := postgres.Connect(ctx, conninfo)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return conn.Status(ctx)
}
