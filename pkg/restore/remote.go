package restore

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gobarman/barman/pkg/backuptar"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/pkg/sshcmd"
	"github.com/gobarman/barman/pkg/stream"
)

// RemoteScript is what each SSH session runs on the destination host:
// GNU or BSD tar reading the stream from standard input, then sync, so
// that the files are durable when it exits 0.
const RemoteScript = "tar -xpf - -C / --no-same-owner && sync"

// Remote restores the backup in backupDir to a host reached through ssh:
// o.Jobs tar streams, the first with every directory and link. The
// checksums are checked here, on the Barman host, as the files are read.
func Remote(ctx context.Context, ssh *sshcmd.Command, backupDir string, recs []*stream.BackupFile, m Mapping, o Options) (Stats, error) {
	if o.Delta {
		return Stats{}, fmt.Errorf("delta restore works only for a local destination: empty the remote destination instead")
	}
	if err := m.absolute(); err != nil {
		return Stats{}, err
	}
	recs, err := prepare(backupDir, recs, m)
	if err != nil {
		return Stats{}, err
	}
	jobs := max(o.Jobs, 1)
	groups := make([][]*stream.BackupFile, jobs)
	load := make([]int64, jobs)
	var files []*stream.BackupFile
	// The roots first, 0700 as PostgreSQL wants them, in case the
	// manifest does not list them.
	roots := []*stream.BackupFile{{Path: "data", Kind: stream.FileDir, Mode: 0o700}}
	for oid := range m.Tablespaces {
		roots = append(roots, &stream.BackupFile{Path: strconv.FormatUint(uint64(oid), 10), Kind: stream.FileDir, Mode: 0o700})
	}
	for _, r := range recs {
		if r.Kind == stream.FileRegular {
			files = append(files, r)
		} else {
			groups[0] = append(groups[0], r)
		}
	}
	rm := &remote{ssh: ssh, backupDir: backupDir, m: m, o: o, cnt: &counter{report: o.Progress}}
	rm.cnt.total.Store(totalBytes(recs))
	// Every stream but the first starts with the directories (uncounted),
	// so that its tar never creates a missing parent itself: GNU tar fails
	// ("Cannot open: No such file or directory") when another stream's tar
	// creates that parent at the same moment.
	var dirs []*stream.BackupFile
	for _, r := range append(roots[:len(roots):len(roots)], groups[0]...) {
		if r.Kind == stream.FileDir {
			dirs = append(dirs, r)
		}
	}
	src, err := findSources(backupDir, files)
	if err != nil {
		return Stats{}, err
	}
	g, ctx := errgroup.WithContext(ctx)
	rm.ctx = ctx
	if len(src.archives) > 0 {
		// A compressed backup: a stream per archive, read from start to
		// end; the first also carries the directories, links and plain
		// files.
		g.SetLimit(jobs)
		for i, a := range src.archives {
			pre, grp := dirs, []*stream.BackupFile(nil)
			if i == 0 {
				pre, grp = roots, append(groups[0], src.plain...)
			}
			g.Go(func() error { return rm.stream(ctx, pre, grp, src, &a) })
		}
		return rm.st, g.Wait()
	}
	// Largest first, each to the least loaded stream.
	sort.SliceStable(files, func(i, j int) bool { return files[i].Size > files[j].Size })
	for _, f := range files {
		k := 0
		for i := range load {
			if load[i] < load[k] {
				k = i
			}
		}
		groups[k] = append(groups[k], f)
		load[k] += f.Size + 512
	}
	for i, grp := range groups {
		if len(grp) == 0 {
			continue
		}
		pre := dirs
		if i == 0 {
			pre = roots
		}
		g.Go(func() error { return rm.stream(ctx, pre, grp, nil, nil) })
	}
	err = g.Wait()
	return rm.st, err
}

type remote struct {
	ctx       context.Context // of the streams, for the throttles
	ssh       *sshcmd.Command
	backupDir string
	m         Mapping
	o         Options
	cnt       *counter
	mu        sync.Mutex
	st        Stats
}

// stream sends one group as a tar stream to one SSH session.
func (rm *remote) stream(ctx context.Context, roots, grp []*stream.BackupFile, src *sources, arch *backuptar.Archive) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var stderr bytes.Buffer
	stdin, pw := io.Pipe()
	defer stdin.Close()
	p, err := rm.ssh.Start(ctx, RemoteScript, stdin, nil, &stderr)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(pw, 1<<20)
	tw := tar.NewWriter(bw)
	sendErr := rm.send(tw, roots, false)
	if sendErr == nil {
		sendErr = rm.send(tw, grp, true)
	}
	if sendErr == nil && arch != nil {
		buf := make([]byte, 1<<20)
		sendErr = src.walk(ctx, *arch, func(r *stream.BackupFile, in io.Reader, name string) error {
			return rm.entry(tw, r, in, name, true, buf)
		})
	}
	if sendErr == nil {
		sendErr = tw.Close()
	}
	if sendErr == nil {
		sendErr = bw.Flush()
	}
	if sendErr != nil {
		cancel() // do not let the remote tar finish a damaged stream
	}
	pw.CloseWithError(sendErr) // an error kills the remote tar too
	waitErr := p.Wait()
	if sendErr != nil && !isPipeError(sendErr) {
		return sendErr
	}
	if waitErr != nil {
		return fmt.Errorf("write the files on the destination host (%s): %v: %s", rm.ssh.Text, waitErr, lastLines(stderr.String()))
	}
	return sendErr
}

func (rm *remote) send(tw *tar.Writer, grp []*stream.BackupFile, counted bool) error {
	buf := make([]byte, 1<<20)
	for _, r := range grp {
		if err := rm.entry(tw, r, nil, "", counted, buf); err != nil {
			return err
		}
	}
	return nil
}

// entry sends one record: a regular file's content is read from in (named
// name), or from the backup directory when in is nil.
func (rm *remote) entry(tw *tar.Writer, r *stream.BackupFile, in io.Reader, name string, counted bool, buf []byte) error {
	t, _, _ := rm.m.Target(r.Path)
	h := &tar.Header{Name: strings.TrimPrefix(filepath.ToSlash(t), "/"), Mode: int64(r.Mode.FileMode().Perm()),
		ModTime: r.MTime, Format: tar.FormatPAX}
	if h.ModTime.IsZero() {
		h.ModTime = time.Now()
	}
	var err error
	switch r.Kind {
	case stream.FileDir:
		h.Typeflag, h.Mode = tar.TypeDir, h.Mode|0o700
		err = tw.WriteHeader(h)
		if counted {
			rm.count(func(s *Stats) { s.Dirs++ })
		}
	case stream.FileSymlink:
		h.Typeflag, h.Linkname = tar.TypeSymlink, r.Link
		if loc, ok := rm.m.tablespaceLink(r); ok {
			h.Linkname = loc
		}
		err = tw.WriteHeader(h)
		rm.count(func(s *Stats) { s.Links++ })
	case stream.FileRegular:
		err = rm.file(tw, h, r, in, name, buf)
	}
	if err != nil {
		return err
	}
	if counted && rm.o.Done != nil {
		rm.mu.Lock()
		err = rm.o.Done(r)
		rm.mu.Unlock()
	}
	return err
}

func (rm *remote) file(tw *tar.Writer, h *tar.Header, r *stream.BackupFile, in io.Reader, src string, buf []byte) error {
	h.Typeflag = tar.TypeReg
	if content, ok := rm.o.Replace[r.Path]; ok {
		h.Size = int64(len(content))
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		_, err := tw.Write(content)
		rm.cnt.add(r.Size)
		rm.count(func(s *Stats) { s.Files++; s.Bytes += h.Size })
		return err
	}
	if in == nil {
		src = filepath.Join(rm.backupDir, filepath.FromSlash(r.Path))
		f, err := os.Open(src)
		if err != nil {
			return fmt.Errorf("read the backup: %w", err)
		}
		defer f.Close()
		in = f
	}
	h.Size = r.Size
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	c := newChecker(r.Checksum)
	n, err := io.CopyBuffer(io.MultiWriter(tw, c), &progressReader{r: rm.o.throttleFor(r.Path).Reader(rm.ctx, in), cnt: rm.cnt}, buf)
	if err != nil {
		if n != r.Size {
			return fmt.Errorf("backup file %s has %d bytes, the manifest says %d: the backup is damaged (%v)", src, n, r.Size, err)
		}
		return err
	}
	if n != r.Size {
		return fmt.Errorf("backup file %s has %d bytes, the manifest says %d: the backup is damaged", src, n, r.Size)
	}
	if err := c.check(src); err != nil {
		return err
	}
	rm.count(func(s *Stats) {
		s.Files++
		s.Bytes += n
		if !c.verified() {
			s.Unverified++
		}
	})
	return nil
}

func (rm *remote) count(f func(*Stats)) {
	rm.mu.Lock()
	f(&rm.st)
	rm.mu.Unlock()
}

func isPipeError(err error) bool {
	return err != nil && (errors.Is(err, sshcmd.ErrInputClosed) || strings.Contains(err.Error(), "broken pipe") || strings.Contains(err.Error(), "file already closed"))
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, "; ")
}

// RunScript runs a shell script on the destination host (or locally when
// ssh is nil) and returns its standard output.
func RunScript(ctx context.Context, ssh *sshcmd.Command, script string) ([]byte, error) {
	if ssh == nil {
		ssh = sshcmd.Local()
	}
	var out, stderr bytes.Buffer
	if err := ssh.Run(ctx, script, nil, &out, &stderr); err != nil {
		return out.Bytes(), fmt.Errorf("%s: %v: %s", ssh.Text, err, lastLines(stderr.String()))
	}
	return out.Bytes(), nil
}
