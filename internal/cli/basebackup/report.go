package basebackup

import (
	"fmt"
	"io"
	"sync"
)

// stderrReport prints the job's lines on standard error as barman prints
// them on its console: information plain, then "WARNING: " and "ERROR: ".
type stderrReport struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *stderrReport) line(prefix, format string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, prefix+format+"\n", args...)
}

func (r *stderrReport) Info(format string, args ...any)    { r.line("", format, args) }
func (r *stderrReport) Warning(format string, args ...any) { r.line("WARNING: ", format, args) }
func (r *stderrReport) Error(format string, args ...any)   { r.line("ERROR: ", format, args) }

// lockedWriter serializes the Writes of the job's records and of the
// progress records: one line each, never interleaved.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
