package barman

import (
	"context"
	"io"

	"golang.org/x/sync/errgroup"

	"github.com/gobarman/barman/internal/cli/clikit"
)

// stage is one stage binary's Main, run in process.
type stage struct {
	main func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
	args []string
}

// runPipeline runs stages connected by pipes, as the shell would run
// `a | b | c`: the first reads stdin, the last writes stdout. A stage that
// stops early closes its input with an error, so that no stage blocks. It
// returns the exit codes of the stages.
func runPipeline(ctx context.Context, stages []stage, stdin io.Reader, stdout, stderr io.Writer) []int {
	codes := make([]int, len(stages))
	g, _ := errgroup.WithContext(ctx)
	in := stdin
	for i, st := range stages {
		out, next := stdout, (*io.PipeReader)(nil)
		var pw *io.PipeWriter
		if i < len(stages)-1 {
			next, pw = io.Pipe()
			out = pw
		}
		stageIn := in
		g.Go(func() error {
			codes[i] = st.main(st.args, stageIn, out, stderr)
			if pw != nil {
				pw.Close()
			}
			if r, ok := stageIn.(*io.PipeReader); ok {
				r.CloseWithError(io.ErrClosedPipe)
			}
			return nil
		})
		in = next
	}
	g.Wait()
	return codes
}

// pipelineErr turns stage exit codes into an error (nil when all are 0).
func pipelineErr(codes []int) error {
	for _, c := range codes {
		if c != 0 {
			return &clikit.ExitError{Code: c}
		}
	}
	return nil
}
