package clikit

import (
	"bytes"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	poll := func() (int64, int64) { return 50 << 20, 200 << 20 }
	got := progressLine(poll, 10*time.Second)
	want := "copied 50.0 MiB of 200.0 MiB (25%), 5.0 MiB/s, 30s left"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	unknown := func() (int64, int64) { return 1 << 20, 0 }
	if got := progressLine(unknown, time.Second); got != "copied 1.0 MiB, 1.0 MiB/s" {
		t.Errorf("without a total: %q", got)
	}
}

func TestNoProgressOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	stop := ShowProgress(&buf, func() (int64, int64) { return 1, 2 })
	time.Sleep(1100 * time.Millisecond)
	stop()
	if buf.Len() != 0 {
		t.Errorf("progress written to a non-terminal: %q", buf.String())
	}
}
