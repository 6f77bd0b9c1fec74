package walpush

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Spool is one server's spool directory.
type Spool struct{ Dir string }

func (s Spool) path(name, ext string) string { return filepath.Join(s.Dir, name+ext) }

// LockPath is the worker's lock file.
func (s Spool) LockPath() string { return filepath.Join(s.Dir, "worker.lock") }

// LogPath is the workers' log file.
func (s Spool) LogPath() string { return filepath.Join(s.Dir, "worker.log") }

// stamp is what a .ok file records of the file that was sent.
func stamp(st fs.FileInfo) string {
	return fmt.Sprintf("%d %d\n", st.Size(), st.ModTime().UnixNano())
}

// markOK records that name, as st describes it, is durable on the backup
// server. It need not be fsynced: a .ok lost in a crash only means the
// file is pushed again (the backup server drops an identical copy).
func (s Spool) markOK(name string, st fs.FileInfo) error {
	return writeRename(s.path(name, ".ok"), stamp(st))
}

// markError records why name could not be pushed.
func (s Spool) markError(name, msg string) error {
	return writeRename(s.path(name, ".error"), msg+"\n")
}

func writeRename(p, text string) error {
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// takeOK reports whether a .ok for name matches st, and removes it. A
// .ok that does not match (an older file of the same name) is removed
// too.
func (s Spool) takeOK(name string, st fs.FileInfo) (bool, error) {
	p := s.path(name, ".ok")
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := os.Remove(p); err != nil {
		return false, err
	}
	return string(data) == stamp(st), nil
}

// takeError returns the message of a .error for name and removes it.
func (s Spool) takeError(name string) (string, bool) {
	p := s.path(name, ".error")
	data, err := os.ReadFile(p)
	if err != nil {
		return "", false
	}
	os.Remove(p)
	return strings.TrimSpace(string(data)), true
}

// request asks the worker for path.
func (s Spool) request(name, path string) error {
	return writeRename(s.path(name, ".req"), path+"\n")
}

func (s Spool) unrequest(name string) { os.Remove(s.path(name, ".req")) }

// entries lists the spool: requests (name → path) and the names that
// have a .ok.
func (s Spool) entries() (reqs map[string]string, oks map[string]bool, err error) {
	ents, err := os.ReadDir(s.Dir)
	if err != nil {
		return nil, nil, err
	}
	reqs, oks = map[string]string{}, map[string]bool{}
	for _, e := range ents {
		n := e.Name()
		switch {
		case strings.HasSuffix(n, ".req"):
			data, err := os.ReadFile(filepath.Join(s.Dir, n))
			if err == nil && strings.TrimSpace(string(data)) != "" {
				reqs[strings.TrimSuffix(n, ".req")] = strings.TrimSpace(string(data))
			}
		case strings.HasSuffix(n, ".ok"):
			oks[strings.TrimSuffix(n, ".ok")] = true
		}
	}
	return reqs, oks, nil
}
