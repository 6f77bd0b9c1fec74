package barman

import (
	"context"
	"fmt"
	"time"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
)

// liveStatus connects to a server's PostgreSQL and reads its status.
// The connection is bounded by check_timeout (0: no limit).
func liveStatus(ctx context.Context, s *config.Section) (*postgres.Status, error) {
	conninfo := s.Get("conninfo")
	if conninfo == "" {
		return nil, fmt.Errorf("conninfo is not set for server %q", s.Name)
	}
	if t := s.Int("check_timeout"); t > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(t)*time.Second)
		defer cancel()
	}
	conn, err := postgres.Connect(ctx, conninfo)
	if err != nil {
		return nil, err
	}
	defer conn.Close(context.Background())
	return conn.Status(ctx)
}
