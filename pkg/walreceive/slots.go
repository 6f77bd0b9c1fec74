package walreceive

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/gobarman/barman/pkg/postgres"
	"github.com/jackc/pgx/v5/pgconn"
)

var slotName = regexp.MustCompile(`^[a-z0-9_]{1,63}$`)

// CheckSlotName reports whether name is a valid replication slot name.
func CheckSlotName(name string) error {
	if !slotName.MatchString(name) {
		return fmt.Errorf("replication slot name %q is not valid: use 1 to 63 lower case letters, digits and underscores", name)
	}
	return nil
}

func createSlot(ctx context.Context, conn *pgconn.PgConn, name string) error {
	if err := CheckSlotName(name); err != nil {
		return err
	}
	_, err := conn.Exec(ctx, "CREATE_REPLICATION_SLOT "+name+" PHYSICAL RESERVE_WAL").ReadAll()
	if err != nil {
		return fmt.Errorf("create replication slot '%s': %w", name, err)
	}
	return nil
}

// ErrSlotExists is wrapped by CreateSlot's error when the slot exists.
var ErrSlotExists = errors.New("replication slot already exists")

// CreateSlot creates a physical replication slot that reserves WAL from
// now on. An existing slot is ErrSlotExists.
func CreateSlot(ctx context.Context, conninfo, appName, name string) error {
	conn, err := postgres.ReplicationConnect(ctx, conninfo, appName, "streaming_conninfo")
	if err != nil {
		return err
	}
	defer closeConn(conn)
	err = createSlot(ctx, conn, name)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42710" {
		return fmt.Errorf("replication slot '%s': %w", name, ErrSlotExists)
	}
	return err
}

// ErrNoSlot is wrapped by DropSlot's error when the slot does not exist.
var ErrNoSlot = errors.New("replication slot does not exist")

// DropSlot drops a replication slot; a slot in use is an error.
func DropSlot(ctx context.Context, conninfo, appName, name string) error {
	if err := CheckSlotName(name); err != nil {
		return err
	}
	conn, err := postgres.ReplicationConnect(ctx, conninfo, appName, "streaming_conninfo")
	if err != nil {
		return err
	}
	defer closeConn(conn)
	_, err = conn.Exec(ctx, "DROP_REPLICATION_SLOT "+name).ReadAll()
	var pgErr *pgconn.PgError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pgErr) && pgErr.Code == "42704":
		return fmt.Errorf("replication slot '%s': %w", name, ErrNoSlot)
	case errors.As(err, &pgErr) && pgErr.Code == "55006":
		return fmt.Errorf("cannot drop replication slot '%s' because it is in use: stop receive-wal first ('barman receive-wal --stop')", name)
	}
	return fmt.Errorf("drop replication slot '%s': %w", name, err)
}
