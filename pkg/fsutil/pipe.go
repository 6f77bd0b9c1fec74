package fsutil

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// PipeSize is the capacity GrowPipe asks for: Linux's default maximum
// for an unprivileged process (/proc/sys/fs/pipe-max-size).
const PipeSize = 1 << 20

// GrowPipe raises the capacity of the pipe p is an end of from 64 KiB to
// PipeSize. p is an *os.File, or what exec.Cmd's StdinPipe and StdoutPipe
// return; anything else, or a file that is not a pipe, is left alone.
//
// Between barman and an ssh, tar or filter process, every time a 64 KiB
// pipe fills or empties both processes sleep and wake; on this project's
// VMs a remote tar through ssh moved 388 MiB in 5.9 s through a 64 KiB
// pipe and in 2.0 s through a 1 MiB one.
func GrowPipe(p any) {
	sc, ok := p.(interface {
		SyscallConn() (syscall.RawConn, error)
	})
	if !ok {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.FcntlInt(fd, unix.F_SETPIPE_SZ, PipeSize) // not a pipe, or over the limit: stays as it was
	})
}
