package clikit

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gobarman/barman/pkg/sshcmd"
)

// Run runs work with a context that SIGINT and SIGTERM cancel, and turns
// its result into the exit status: 130 when it stopped on an interrupt,
// else as Report says (the error printed in the common style).
func Run(name string, stderr io.Writer, work func(ctx context.Context) error) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := work(ctx)
	sshcmd.CloseAll()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return ExitInterrupt
	}
	return Report(stderr, name, err)
}
