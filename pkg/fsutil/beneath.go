package fsutil

import (
	"errors"
	"os"
	"path"
	"sync"
	"syscall"
)

// Writes beneath a destination. A backup or a restore writes the paths a
// manifest, a tar stream or a remote file list names: input that a
// compromised database host controls. A symbolic link "data/x" → "/elsewhere"
// followed by a file "data/x/foo" would write /elsewhere/foo. Two guards
// keep every write beneath its destination:
//
//   - Links remembers the symbolic links a job created (or will create) and
//     finds the one a later path would pass through, so that the job can
//     refuse it with a message naming both;
//   - every create and open goes through an os.Root, whose methods refuse
//     to resolve a path outside the root (an absolute link, a ".." out), so
//     that nothing is written outside even if the first guard is missed.

// Links is a set of "/"-separated paths of symbolic links, safe for
// concurrent use.
type Links struct {
	mu  sync.Mutex
	set map[string]string // path → link target
}

// Add records the symbolic link p pointing to target.
func (l *Links) Add(p, target string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.set == nil {
		l.set = map[string]string{}
	}
	l.set[path.Clean(p)] = target
}

// Under returns the recorded link that p lies beneath (p itself
// excluded), if any.
func (l *Links) Under(p string) (link, target string, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for dir := path.Dir(path.Clean(p)); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if t, found := l.set[dir]; found {
			return dir, t, true
		}
	}
	return "", "", false
}

// OpenDirectIn is OpenDirect for name beneath root. A symbolic link in
// name's last component is not followed (O_NOFOLLOW: ELOOP).
func OpenDirectIn(root *os.Root, name string, perm os.FileMode) (*os.File, bool, error) {
	return openDirect(func(flags int) (*os.File, error) {
		return root.OpenFile(name, flags|syscall.O_NOFOLLOW, perm)
	})
}

// openDirect opens with open(O_DIRECT), falling back to buffered writes
// where the file system refuses O_DIRECT.
func openDirect(open func(flags int) (*os.File, error)) (f *os.File, direct bool, err error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	f, err = open(flags | syscall.O_DIRECT)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, syscall.EINVAL) {
		return nil, false, err
	}
	f, err = open(flags)
	return f, false, err
}
