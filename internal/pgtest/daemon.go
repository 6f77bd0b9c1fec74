package pgtest

import (
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// daemon is a server process (postgres, sshd) run as a direct child of the
// test binary: it leads its own process group and gets SIGKILL if the test
// binary dies without cleaning up (Pdeathsig), e.g. on a -timeout panic.
type daemon struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
}

// startDaemon starts cmd with its stdout and stderr appended to logFile.
// It returns the log's size before the start, where this run's output begins.
func startDaemon(cmd *exec.Cmd, logFile string) (*daemon, int64, error) {
	logf, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close()
	offset, _ := logf.Seek(0, io.SeekEnd)
	cmd.Stdout, cmd.Stderr = logf, logf
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	if err := cmd.Start(); err != nil {
		return nil, offset, err
	}
	d := &daemon{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(d.done) }()
	return d, offset, nil
}

func (d *daemon) exited() bool {
	select {
	case <-d.done:
		return true
	default:
		return false
	}
}

// halt sends sig and waits up to timeout for the exit; then it kills the
// whole process group. It reports whether the process stopped by itself.
func (d *daemon) halt(sig syscall.Signal, timeout time.Duration) bool {
	pid := d.cmd.Process.Pid
	_ = d.cmd.Process.Signal(sig)
	clean := true
	select {
	case <-d.done:
	case <-time.After(timeout):
		clean = false
		killGroup(pid, syscall.SIGKILL)
		<-d.done
	}
	killGroup(pid, syscall.SIGKILL) // stray children (archive_command, ...)
	return clean
}

// logSince is what logFile got from offset on.
func logSince(logFile string, offset int64) []byte {
	b, _ := os.ReadFile(logFile)
	if offset < int64(len(b)) {
		return b[offset:]
	}
	return nil
}
