package lock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Lock is a held lock. Release it with Unlock.
type Lock struct {
	f       *os.File
	Path    string
	Purpose string
}

// LockedError says that another process holds the lock.
type LockedError struct {
	Path    string
	PID     int
	Purpose string
}

func (e *LockedError) Error() string {
	if e.PID > 0 {
		return fmt.Sprintf("%s is locked by pid %d (%s)", e.Path, e.PID, e.Purpose)
	}
	return fmt.Sprintf("%s is locked by another process (%s)", e.Path, e.Purpose)
}

// File returns Barman's lock file name for a server and purpose, e.g.
// File("/var/lib/barman", "main", "backup") = "/var/lib/barman/.main-backup.lock".
// An empty server gives a global lock such as ".cron.lock".
func File(dir, server, purpose string) string {
	if server == "" {
		return filepath.Join(dir, "."+purpose+".lock")
	}
	return filepath.Join(dir, "."+server+"-"+purpose+".lock")
}

// Acquire takes the lock at path, retrying every poll until ctx is done or
// timeout passes (0: try once). It writes this process's pid and purpose
// into the file.
func Acquire(ctx context.Context, path, purpose string, timeout time.Duration) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, holder(path, purpose)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(poll(timeout)):
		}
	}
	l := &Lock{f: f, Path: path, Purpose: purpose}
	if err := l.record(); err != nil {
		l.Unlock()
		return nil, err
	}
	return l, nil
}

func poll(timeout time.Duration) time.Duration {
	if timeout < time.Second {
		return 20 * time.Millisecond
	}
	return 100 * time.Millisecond
}

// record writes "pid\npurpose\n" (Barman reads the first line as the pid).
func (l *Lock) record() error {
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("write lock file %s: %w", l.Path, err)
	}
	text := fmt.Sprintf("%d\n%s\n", os.Getpid(), l.Purpose)
	if _, err := l.f.WriteAt([]byte(text), 0); err != nil {
		return fmt.Errorf("write lock file %s: %w", l.Path, err)
	}
	return nil
}

// holder reads who holds the lock at path.
func holder(path, purpose string) error {
	e := &LockedError{Path: path, Purpose: purpose}
	data, err := os.ReadFile(path)
	if err != nil {
		return e
	}
	lines := strings.SplitN(string(data), "\n", 3)
	e.PID, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	if len(lines) > 1 && strings.TrimSpace(lines[1]) != "" {
		e.Purpose = strings.TrimSpace(lines[1])
	}
	return e
}

// Unlock releases the lock. The file stays.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	return err
}

// Held reports whether a live process holds the lock at path, and its pid
// as recorded in the file (0 if unreadable), without waiting and without
// keeping any lock: it tries a shared lock and releases it at once. A lock
// file that does not exist is not held. flock locks die with their
// process, so a held lock means a running holder, whatever a stale pid in
// the file says.
func Held(path string) (pid int, held bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("open lock file: %w", err)
	}
	defer f.Close()
	err = unix.Flock(int(f.Fd()), unix.LOCK_SH|unix.LOCK_NB)
	if err == nil {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		return 0, false, nil
	}
	if !errors.Is(err, unix.EWOULDBLOCK) {
		return 0, false, fmt.Errorf("test lock %s: %w", path, err)
	}
	var le *LockedError
	if errors.As(holder(path, ""), &le) {
		pid = le.PID
	}
	return pid, true, nil
}
