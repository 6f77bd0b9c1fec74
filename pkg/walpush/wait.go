package walpush

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gobarman/barman/pkg/lock"
)

// Wait is archive_command's side: it returns nil once the worker has
// pushed path (a .ok that matches the file), the worker's message if it
// could not, or a timeout error. start launches a worker and returns a
// channel closed when that process ends; Wait calls it when no worker is
// running (at most a few times).
func Wait(ctx context.Context, sp Spool, path string, timeout time.Duration, start func() (<-chan struct{}, error)) error {
	name := filepath.Base(path)
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return fmt.Errorf("cannot push %s: %w", name, err)
	}
	// An error left by an earlier call's worker is not this call's: the
	// push is tried again.
	sp.takeError(name)
	deadline := time.Now().Add(timeout)
	// Polls are cheap (two failed opens): poll often, so that a call
	// returns within a few ms of the worker's answer; look at the worker
	// every 50 ms.
	const poll, checkEvery = 2 * time.Millisecond, 25
	tick := time.NewTicker(poll)
	defer tick.Stop()
	wait := func() error {
		select {
		case <-ctx.Done():
			sp.unrequest(name)
			return ctx.Err()
		case <-tick.C:
			return nil
		}
	}
	requested, spawns := false, 0
	var child <-chan struct{} // the worker this call started, until it ends
	for i := 0; ; i++ {
		ok, err := sp.takeOK(name, st)
		if err != nil {
			return fmt.Errorf("read the push status of %s in %s: %w", name, sp.Dir, err)
		}
		if ok {
			sp.unrequest(name)
			return nil
		}
		if msg, failed := sp.takeError(name); failed {
			sp.unrequest(name)
			return fmt.Errorf("push of %s failed: %s", name, msg)
		}
		if !requested {
			if err := sp.request(name, abs); err != nil {
				return fmt.Errorf("cannot write to the spool directory %s: %w", sp.Dir, err)
			}
			requested = true
		}
		if i%checkEvery != 0 && !time.Now().After(deadline) {
			if err := wait(); err != nil {
				return err
			}
			continue
		}
		running := child != nil
		if running {
			select {
			case <-child:
				child, running = nil, false
			default:
			}
		}
		if !running {
			if running, err = WorkerRunning(ctx, sp); err != nil {
				return err
			}
		}
		if !running {
			if spawns == 5 {
				sp.unrequest(name)
				return fmt.Errorf("the push worker stopped %d times without pushing %s: see %s", spawns, name, sp.LogPath())
			}
			if child, err = start(); err != nil {
				sp.unrequest(name)
				return fmt.Errorf("cannot start the push worker: %w", err)
			}
			spawns++
		}
		if time.Now().After(deadline) {
			sp.unrequest(name)
			return fmt.Errorf("%s was not pushed within %s (see %s); PostgreSQL will call again", name, timeout, sp.LogPath())
		}
		if err := wait(); err != nil {
			return err
		}
	}
}

// WorkerRunning reports whether a worker holds the spool's lock.
func WorkerRunning(ctx context.Context, sp Spool) (bool, error) {
	l, err := lock.Acquire(ctx, sp.LockPath(), workerPurpose, 0)
	var le *lock.LockedError
	if errors.As(err, &le) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	l.Unlock()
	return false, nil
}

const workerPurpose = "barman-wal-ingest push worker"
