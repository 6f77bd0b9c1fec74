package compress

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/gobarman/barman/pkg/fsutil"
)

// filter is a running "sh -c FILTER". Its failure can never look like a
// clean end of stream: Close (writer) or the end of its output (reader)
// waits for it, and a non-zero exit status is an error that quotes the
// last line it wrote on stderr.
type filter struct {
	kind   string // custom_compression_filter or custom_decompression_filter
	text   string
	cmd    *exec.Cmd
	stderr *prefixWriter
	once   sync.Once
	err    error
}

func newFilter(kind, text string, o *options) (*filter, error) {
	if text == "" {
		return nil, fmt.Errorf("compression = custom needs %s", kind)
	}
	f := &filter{kind: kind, text: text}
	f.cmd = exec.CommandContext(o.ctx, "/bin/sh", "-c", text)
	// Own process group, so that killing reaches the filter's children.
	f.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	f.cmd.Cancel = f.kill
	f.cmd.WaitDelay = 5 * time.Second
	f.stderr = &prefixWriter{w: o.stderr, prefix: o.prefix + kind + ": "}
	f.cmd.Stderr = f.stderr
	return f, nil
}

func (f *filter) start() error {
	if err := f.cmd.Start(); err != nil {
		return fmt.Errorf("%s %q: %w", f.kind, f.text, err)
	}
	return nil
}

func (f *filter) kill() error {
	if f.cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-f.cmd.Process.Pid, syscall.SIGKILL)
}

// wait waits for the filter once and turns its exit status into a
// *FilterError. Other errors (copying its output) are returned as they are.
func (f *filter) wait() error {
	f.once.Do(func() {
		err := f.cmd.Wait()
		f.stderr.flush()
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			f.err = f.failure(err)
		case err != nil:
			f.err = fmt.Errorf("%s %q: %w", f.kind, f.text, err)
		}
	})
	return f.err
}

func (f *filter) failure(err error) *FilterError {
	return &FilterError{Kind: f.kind, Command: f.text, Err: err, Stderr: f.stderr.lastLine()}
}

// FilterError is the failure of a custom filter itself: it exited with a
// non-zero status, or it exited without reading all its input. Callers tell
// it from a failing disk with errors.As.
type FilterError struct {
	Kind    string // custom_compression_filter or custom_decompression_filter
	Command string // the shell command
	Err     error  // its exit status, or errUnread
	Stderr  string // the last line it wrote on stderr, if any
}

// errUnread is the failure of a filter that exited with status 0 but
// stopped reading its input before the end.
var errUnread = errors.New("exited without reading all its input")

func (e *FilterError) Error() string {
	msg := fmt.Sprintf("%s %q failed: %v", e.Kind, e.Command, e.Err)
	if e.Err == errUnread {
		msg = fmt.Sprintf("%s %q %v", e.Kind, e.Command, e.Err)
	}
	if e.Stderr != "" {
		msg += ": " + e.Stderr
	}
	return msg
}

func (e *FilterError) Unwrap() error { return e.Err }

// filterWriter feeds a compression filter; its output goes to the caller's
// writer.
type filterWriter struct {
	*filter
	stdin  io.WriteCloser
	closed bool
}

func startCompressFilter(w io.Writer, o *options) (io.WriteCloser, error) {
	f, err := newFilter("custom_compression_filter", o.compressCmd, o)
	if err != nil {
		return nil, err
	}
	f.cmd.Stdout = w
	// The input pipe keeps its 64 KiB: a filter that exits without
	// reading its input is caught by the broken pipe, and a bigger pipe
	// would hide it for bigger files.
	stdin, err := f.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	if err := f.start(); err != nil {
		return nil, err
	}
	return &filterWriter{filter: f, stdin: stdin}, nil
}

// Write passes p to the filter. A write into its input fails only when
// the filter closed it, which is the filter's failure whenever it happens:
// Write then waits for the filter and returns a *FilterError, with its
// exit status if it failed, errUnread if it exited 0.
func (fw *filterWriter) Write(p []byte) (int, error) {
	if fw.closed {
		return 0, errClosed
	}
	n, err := fw.stdin.Write(p)
	if err != nil {
		if werr := fw.Close(); werr != nil {
			return n, werr
		}
		fw.err = fw.failure(errUnread) // Close returns it too from now on
		return n, fw.err
	}
	return n, nil
}

// Close ends the filter's input and waits for it to write the rest of its
// output and exit.
func (fw *filterWriter) Close() error {
	if !fw.closed {
		fw.closed = true
		fw.stdin.Close()
	}
	return fw.wait()
}

// filterReader reads the output of a decompression filter fed from r.
type filterReader struct {
	*filter
	stdout io.ReadCloser
	done   bool
}

func startDecompressFilter(r io.Reader, o *options) (io.ReadCloser, error) {
	f, err := newFilter("custom_decompression_filter", o.decompressCmd, o)
	if err != nil {
		return nil, err
	}
	f.cmd.Stdin = r
	stdout, err := f.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	fsutil.GrowPipe(stdout)
	if err := f.start(); err != nil {
		return nil, err
	}
	return &filterReader{filter: f, stdout: stdout}, nil
}

// Read returns the filter's output; at its end, io.EOF only if the filter
// exited with status 0.
func (fr *filterReader) Read(p []byte) (int, error) {
	if fr.done {
		return 0, fr.endErr()
	}
	n, err := fr.stdout.Read(p)
	if err == io.EOF {
		fr.done = true
		if werr := fr.wait(); werr != nil {
			return n, werr
		}
	}
	return n, err
}

func (fr *filterReader) endErr() error {
	if fr.err != nil {
		return fr.err
	}
	return io.EOF
}

// Close kills the filter if its output was not read to the end.
func (fr *filterReader) Close() error {
	if fr.done {
		return fr.err
	}
	fr.done = true
	fr.kill()
	fr.wait()
	fr.err = errClosed
	return nil
}

// prefixWriter copies a child's stderr to w line by line, each line behind
// a prefix and written with one Write, and keeps the last line.
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
	last   []byte
}

func (pw *prefixWriter) Write(p []byte) (int, error) {
	pw.buf = append(pw.buf, p...)
	for {
		i := bytes.IndexByte(pw.buf, '\n')
		if i < 0 {
			break
		}
		pw.emit(pw.buf[:i])
		pw.buf = pw.buf[i+1:]
	}
	return len(p), nil
}

func (pw *prefixWriter) emit(line []byte) {
	line = bytes.TrimRight(line, "\r")
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	pw.last = append(pw.last[:0], line...)
	msg := append([]byte(pw.prefix), line...)
	pw.w.Write(append(msg, '\n'))
}

// flush writes a last line that had no newline. Called after Wait, when
// nothing writes any more.
func (pw *prefixWriter) flush() {
	if len(pw.buf) > 0 {
		pw.emit(pw.buf)
		pw.buf = nil
	}
}

func (pw *prefixWriter) lastLine() string { return string(pw.last) }
