package recovery

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/fsutil"
	"github.com/gobarman/barman/pkg/restore"
	"github.com/gobarman/barman/pkg/sshcmd"
)

// Sink receives the prepared WAL files.
type Sink interface {
	Put(name string, data []byte, mtime time.Time) error
	// Close makes what was put durable.
	Close() error
}

// LocalSink writes WAL files into Dir. With Done, it also writes
// archive_status/<name>.done for each, so that the recovered server does
// not archive them again (WAL put straight into pg_wal).
type LocalSink struct {
	Dir  string
	Done bool
}

func (s *LocalSink) Put(name string, data []byte, mtime time.Time) error {
	p := filepath.Join(s.Dir, name)
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return err
	}
	if err := fsutil.WriteDirect(p, data, 0o600); err != nil {
		return fmt.Errorf("write WAL file %s: %w", p, err)
	}
	os.Chtimes(p, mtime, mtime)
	if s.Done {
		st := filepath.Join(s.Dir, "archive_status")
		if err := os.MkdirAll(st, 0o700); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(st, name+".done"), nil, 0o600)
	}
	return nil
}

func (s *LocalSink) Close() error {
	if _, err := os.Stat(s.Dir); err != nil {
		return nil
	}
	return fsutil.SyncTrees(s.Dir)
}

// RemoteSink streams WAL files into Dir on another host as one tar
// stream through SSH, opened with the first file.
type RemoteSink struct {
	SSH  *sshcmd.Command
	Dir  string
	Done bool

	ctx    context.Context
	proc   sshcmd.Process
	stdin  *io.PipeWriter
	bw     *bufio.Writer
	tw     *tar.Writer
	stderr bytes.Buffer
	err    error
}

// NewRemoteSink returns a sink writing into dir through ssh.
func NewRemoteSink(ctx context.Context, ssh *sshcmd.Command, dir string, done bool) *RemoteSink {
	return &RemoteSink{SSH: ssh, Dir: dir, Done: done, ctx: ctx}
}

func (s *RemoteSink) open() error {
	pr, in := io.Pipe()
	proc, err := s.SSH.Start(s.ctx, restore.RemoteScript, pr, nil, &s.stderr)
	if err != nil {
		return err
	}
	s.proc, s.stdin, s.bw = proc, in, bufio.NewWriterSize(in, 1<<20)
	s.tw = tar.NewWriter(s.bw)
	return s.tw.WriteHeader(&tar.Header{Name: s.path(""), Mode: 0o700, Typeflag: tar.TypeDir, ModTime: time.Now(), Format: tar.FormatPAX})
}

func (s *RemoteSink) path(name string) string {
	return strings.TrimPrefix(filepath.ToSlash(s.Dir), "/") + "/" + name
}

func (s *RemoteSink) Put(name string, data []byte, mtime time.Time) error {
	if s.err == nil && s.tw == nil {
		s.err = s.open()
	}
	if s.err != nil {
		return s.err
	}
	hdr := func(name string, size int64) *tar.Header {
		return &tar.Header{Name: s.path(name), Mode: 0o600, Size: size, ModTime: mtime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	}
	if s.err = s.tw.WriteHeader(hdr(name, int64(len(data)))); s.err == nil {
		_, s.err = s.tw.Write(data)
	}
	if s.err == nil && s.Done {
		s.err = s.tw.WriteHeader(hdr("archive_status/"+name+".done", 0))
	}
	if s.err != nil {
		return s.Close()
	}
	return nil
}

func (s *RemoteSink) Close() error {
	if s.proc == nil {
		return s.err
	}
	if s.err == nil {
		if s.err = s.tw.Close(); s.err == nil {
			s.err = s.bw.Flush()
		}
	}
	s.stdin.CloseWithError(s.err) // an error kills the remote tar
	err := s.proc.Wait()
	s.proc = nil
	if err != nil {
		s.err = fmt.Errorf("send the WAL files to %s on the destination host: %v: %s", s.Dir, err, strings.TrimSpace(s.stderr.String()))
	}
	return s.err
}
