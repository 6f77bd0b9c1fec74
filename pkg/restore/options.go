package restore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gobarman/barman/pkg/throttle"

	"github.com/gobarman/barman/pkg/stream"
)

// Options tune a restore.
type Options struct {
	Jobs int // parallel copies (≥ 1)
	// Throttle limits the rate of the files copied, all jobs together
	// (bandwidth_limit); nil for no limit.
	Throttle *throttle.Throttle
	// TablespaceThrottle limits the files of a tablespace, by OID,
	// instead of Throttle (tablespace_bandwidth_limit).
	TablespaceThrottle map[uint32]*throttle.Throttle
	// Delta keeps the destination files whose content already matches the
	// backup and removes what the backup does not have (rsync --delete).
	// Local destinations only.
	Delta bool
	// Replace gives the content to write instead of a file of the backup,
	// by manifest path (tablespace_map, rewritten for the new locations).
	Replace map[string][]byte
	// Progress, if set, is called from the copy workers with the bytes
	// copied so far and the bytes to copy.
	Progress func(done, total int64)
	// Done, if set, is called once per record restored (from one
	// goroutine at a time).
	Done func(rec *stream.BackupFile) error
}

// throttleFor returns the limit for a record's file: its tablespace's,
// else Throttle.
func (o *Options) throttleFor(p string) *throttle.Throttle {
	root, _, _ := strings.Cut(p, "/")
	if oid, err := strconv.ParseUint(root, 10, 32); err == nil {
		if t := o.TablespaceThrottle[uint32(oid)]; t != nil {
			return t
		}
	}
	return o.Throttle
}

// Stats are what a restore did.
type Stats struct {
	Files, Dirs, Links int
	Bytes              int64 // bytes written
	Reused             int   // files kept as they were (delta)
	Removed            int   // destination entries the backup does not have (delta)
	Unverified         int   // files copied without a checksum to check
}

// ChecksumError is a backup file whose content does not match its manifest.
type ChecksumError struct {
	Path      string // the file in the backup
	Want, Got string
}

func (e *ChecksumError) Error() string {
	return fmt.Sprintf("backup file %s is corrupted: its checksum is %s, the manifest says %s", e.Path, e.Got, e.Want)
}

// checker hashes content as it is copied and compares it with the
// manifest's checksum (sha256 only; other algorithms are not checked).
type checker struct {
	want string
	h    hash.Hash
}

func newChecker(want string) *checker {
	c := &checker{want: want}
	if strings.HasPrefix(want, "sha256:") {
		c.h = sha256.New()
	}
	return c
}

func (c *checker) Write(p []byte) (int, error) {
	if c.h != nil {
		c.h.Write(p)
	}
	return len(p), nil
}

func (c *checker) verified() bool { return c.h != nil }

func (c *checker) check(path string) error {
	if c.h == nil {
		return nil
	}
	if got := "sha256:" + hex.EncodeToString(c.h.Sum(nil)); got != c.want {
		return &ChecksumError{Path: path, Want: c.want, Got: got}
	}
	return nil
}

// counter adds bytes to a shared total and reports progress.
type counter struct {
	done, total atomic.Int64
	report      func(done, total int64)
}

func (c *counter) add(n int64) {
	d := c.done.Add(n)
	if c.report != nil {
		c.report(d, c.total.Load())
	}
}

func totalBytes(recs []*stream.BackupFile) int64 {
	var n int64
	for _, r := range recs {
		if r.Kind == stream.FileRegular {
			n += r.Size
		}
	}
	return n
}
