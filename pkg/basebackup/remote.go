package basebackup

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/shell"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/throttle"

	"github.com/gobarman/barman/pkg/sshcmd"
)

// Remote runs the copy's commands on the PostgreSQL host: through
// ssh_command, or locally when SSH is nil. It needs only a POSIX shell,
// find and tar there.
type Remote struct {
	SSH *sshcmd.Command
	// Throttle limits the rate of the files fetched (bandwidth_limit),
	// all streams together; nil for no limit.
	Throttle *throttle.Throttle
}

// command is how scripts run on the host: r.SSH, or the local shell.
func (r *Remote) command() *sshcmd.Command {
	if r.SSH == nil {
		return sshcmd.Local()
	}
	return r.SSH
}

// List lists dir recursively on the host: type, size, mtime, mode, link
// target and path of every entry, NUL-separated (any file name works).
func (r *Remote) List(ctx context.Context, dir string) ([]Entry, error) {
	var out, stderr bytes.Buffer
	err := r.command().Run(ctx, "cd "+shell.Quote(dir)+` && find . -printf '%y\0%s\0%T@\0%m\0%l\0%P\0'`, nil, &out, &stderr)
	if err != nil {
		return nil, fmt.Errorf("list %s on the PostgreSQL host: %v: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	return parseListing(out.Bytes())
}

func parseListing(out []byte) ([]Entry, error) {
	f := bytes.Split(out, []byte{0})
	var entries []Entry
	for i := 0; i+6 <= len(f); i += 6 {
		p := string(f[i+5])
		if p == "" {
			continue
		}
		size, _ := strconv.ParseInt(string(f[i+1]), 10, 64)
		perm, _ := strconv.ParseUint(string(f[i+3]), 8, 32)
		mode := fs.FileMode(perm) & fs.ModePerm
		switch string(f[i]) {
		case "d":
			mode |= fs.ModeDir
		case "l":
			mode |= fs.ModeSymlink
		case "f":
		default:
			continue // sockets, fifos: not part of a backup
		}
		mt := parseEpoch(string(f[i+2]))
		entries = append(entries, Entry{Path: p, Mode: mode, Size: size, MTime: mt, Link: string(f[i+4])})
	}
	return entries, nil
}

// Fetch streams the named files of dir from the host as a tar archive and
// calls handle for each. Files that vanished, shrank or grew meanwhile
// (PostgreSQL drops, truncates and extends files during a backup, and WAL
// replay repairs them) are not errors: tar's notes about them are
// returned. A file that cannot be read is an error.
func (r *Remote) Fetch(ctx context.Context, dir string, names []string, handle func(*tar.Header, io.Reader) error) (changed []string, err error) {
	return r.fetch(ctx, dir, names, nil, handle)
}

// fetch is Fetch limited by limit instead of r.Throttle when it is set.
func (r *Remote) fetch(ctx context.Context, dir string, names []string, limit *throttle.Throttle, handle func(*tar.Header, io.Reader) error) (changed []string, err error) {
	if limit == nil {
		limit = r.Throttle
	}
	var list bytes.Buffer
	for _, n := range names {
		list.WriteString(n)
		list.WriteByte(0)
	}
	var stderr bytes.Buffer
	// The stream is queued while the files are written, so that ssh and
	// the remote tar never wait for the disk.
	pipe := newAsyncPipe()
	p, err := r.command().Start(ctx, "cd "+shell.Quote(dir)+" && tar -cf - --null --no-recursion --ignore-failed-read -T -",
		&list, limit.Writer(ctx, pipe), &stderr)
	if err != nil {
		return nil, fmt.Errorf("start copy from the PostgreSQL host: %w", err)
	}
	waited := make(chan error, 1)
	go func() {
		err := p.Wait()
		pipe.CloseWrite(streamEnd(err))
		waited <- err
	}()
	readErr := readTar(pipe, handle)
	if readErr != nil {
		pipe.CloseRead(readErr)
		p.Kill()
	}
	waitErr := <-waited
	if readErr != nil {
		return nil, readErr
	}
	changed, problems := tarDiagnostics(stderr.String())
	if len(problems) > 0 {
		return nil, fmt.Errorf("copy from %s on the PostgreSQL host failed: %s", dir, strings.Join(problems, "; "))
	}
	var ee *sshcmd.ExitError
	if errors.As(waitErr, &ee) && ee.ExitCode() != 1 {
		return nil, fmt.Errorf("copy from %s on the PostgreSQL host: %v: %s", dir, waitErr, strings.TrimSpace(stderr.String()))
	}
	if waitErr != nil && !errors.As(waitErr, &ee) {
		return nil, waitErr
	}
	return changed, nil
}

// streamEnd is how the copy stream ends for the tar reader: cleanly when
// tar exited 0 or 1 (files changed while read: sorted out from its
// messages), with the error when ssh or tar failed, so that a broken
// stream is never taken for a whole one.
func streamEnd(waitErr error) error {
	var ee *sshcmd.ExitError
	if waitErr == nil || (errors.As(waitErr, &ee) && ee.ExitCode() == 1) {
		return nil
	}
	return waitErr
}

func readTar(r io.Reader, handle func(*tar.Header, io.Reader) error) error {
	tr := tar.NewReader(bufio.NewReaderSize(r, 1<<20))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read the copy stream: %w (the connection to the PostgreSQL host broke?)", err)
		}
		if err := handle(h, tr); err != nil {
			return err
		}
	}
}

// tarDiagnostics sorts GNU tar's messages (with --ignore-failed-read)
// into notes about files that changed while copied, which are normal, and
// problems. A file that vanished ("Cannot stat" or "Cannot open" with "No
// such file or directory", "File removed before we read it"), shrank
// (tar pads it with zeros to the size in its header) or changed ("file
// changed as we read it": it grew, or was written) is repaired by WAL
// replay, as with PostgreSQL's own base backup. Anything else, such as a
// permission or read error (a warning tar exits 0 for), is a problem.
func tarDiagnostics(stderr string) (changed, problems []string) {
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "", strings.HasSuffix(line, ": Exiting with failure status due to previous errors"):
		case isChangedNote(line):
			changed = append(changed, line)
		default:
			problems = append(problems, line)
		}
	}
	return changed, problems
}

// changedNotes are the endings of tar's notes about a file that changed
// while it was copied.
var changedNotes = []*regexp.Regexp{
	regexp.MustCompile(`: (Warning: )?Cannot (stat|open): No such file or directory$`),
	regexp.MustCompile(`: File removed before we read it$`),
	regexp.MustCompile(`: File shrank by [0-9]+ bytes?; padding with zeros$`),
	regexp.MustCompile(`: file changed as we read it$`),
}

func isChangedNote(line string) bool {
	for _, re := range changedNotes {
		if re.MatchString(line) {
			return true
		}
	}
	return false
}

// parseEpoch reads find's %T@ ("1700000001.2500000000") without the
// rounding of a float.
func parseEpoch(s string) time.Time {
	sec, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(sec, 10, 64)
	frac = (frac + "000000000")[:9]
	ns, _ := strconv.ParseInt(frac, 10, 64)
	return time.Unix(n, ns)
}
