package archiving

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// WaitFor runs archive (one archiving run) once a second until the WAL
// file name is in the archive, for at most timeout: what `barman
// switch-wal --archive` does after closing a segment.
func (j *Job) WaitFor(ctx context.Context, name string, timeout time.Duration, archive func(context.Context) error) error {
	l := j.Archive.Layout
	deadline := time.Now().Add(timeout)
	for {
		if err := archive(ctx); err != nil {
			return err
		}
		if _, err := os.Stat(l.WALPath(name)); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the WAL file %s has not been received in %s: check archive_command (it should send WAL to %s)",
				name, timeout, filepath.Clean(l.IncomingDir()))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
