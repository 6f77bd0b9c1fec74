package clikit

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gobarman/barman/pkg/backups"
)

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// ShowProgress prints, on a terminal, one line that it rewrites every
// second: bytes copied, of how many, the rate and the time left. It
// returns a function that stops it and clears the line. Elsewhere (a log,
// a pipe) it prints nothing.
func ShowProgress(w io.Writer, poll func() (done, total int64)) (stop func()) {
	if !IsTerminal(w) {
		return func() {}
	}
	quit, finished := make(chan struct{}), make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				fmt.Fprint(w, "\r\033[K"+progressLine(poll, time.Since(start)))
			}
		}
	}()
	return func() { close(quit); <-finished }
}

func progressLine(poll func() (int64, int64), elapsed time.Duration) string {
	done, total := poll()
	rate := float64(done) / elapsed.Seconds()
	line := fmt.Sprintf("copied %s", prettyBytes(done))
	if total > 0 {
		line += fmt.Sprintf(" of %s (%.0f%%)", prettyBytes(total), 100*float64(done)/float64(total))
	}
	line += fmt.Sprintf(", %s/s", prettyBytes(int64(rate)))
	if total > done && rate > 0 {
		line += fmt.Sprintf(", %s left", (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second))
	}
	return line
}

// prettyBytes is backups.PrettySize for an int64.
func prettyBytes(n int64) string { return backups.PrettySize(float64(n)) }
