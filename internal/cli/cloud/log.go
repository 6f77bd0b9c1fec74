package cloud

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Logger writes Barman's cloud log lines to stderr:
// "2024-01-02 15:04:05,123 [PID] LEVEL: message". The default shows
// warnings and errors; each -v adds a level (INFO, DEBUG), each -q
// removes one (ERROR, CRITICAL).
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	level int // 10 DEBUG, 20 INFO, 30 WARNING, 40 ERROR
	pid   int
}

// NewLogger returns a logger at Barman's level for verbosity (-v minus -q).
func NewLogger(w io.Writer, verbosity int) *Logger {
	return &Logger{w: w, level: max(30-10*verbosity, 10), pid: os.Getpid()}
}

func (l *Logger) log(level int, name, format string, args ...any) {
	if l == nil || level < l.level {
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, "%s,%03d [%d] %s: %s\n", now.Format("2006-01-02 15:04:05"), now.Nanosecond()/1e6, l.pid, name, fmt.Sprintf(format, args...))
}

func (l *Logger) Debugf(format string, args ...any)   { l.log(10, "DEBUG", format, args...) }
func (l *Logger) Infof(format string, args ...any)    { l.log(20, "INFO", format, args...) }
func (l *Logger) Warningf(format string, args ...any) { l.log(30, "WARNING", format, args...) }
func (l *Logger) Errorf(format string, args ...any)   { l.log(40, "ERROR", format, args...) }
