package clikit

import (
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/stream"
	"io"
	"runtime/debug"

	"github.com/alecthomas/kong"
)

// Exit codes shared by the binaries (documented in each man page).
const (
	ExitOK        = 0
	ExitFailure   = 1
	ExitUsage     = 2
	ExitInterrupt = 130
)

// version is set at build time with
// -ldflags "-X github.com/gobarman/barman/internal/cli/clikit.version=1.2.3".
var version = ""

// Version returns the version of the binary.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "0.1.0-dev"
}

type exitPanic int

// Parse parses args into grammar with kong. It returns the kong context, or
// nil and the exit code when parsing ended the run (help, version, usage
// error). A usage error prints one line and a hint, and exits 2.
func Parse(name, description string, grammar any, args []string, stdout, stderr io.Writer, opts ...kong.Option) (kctx *kong.Context, code int) {
	defer func() {
		if r := recover(); r != nil {
			c, ok := r.(exitPanic)
			if !ok {
				panic(r)
			}
			kctx, code = nil, int(c)
		}
	}()
	opts = append([]kong.Option{
		kong.Name(name),
		kong.Description(description),
		kong.Writers(stdout, stderr),
		kong.Exit(func(c int) { panic(exitPanic(c)) }),
		kong.Vars{"version": name + " " + Version()},
		kong.ConfigureHelp(kong.HelpOptions{Compact: true, NoExpandSubcommands: true}),
	}, opts...)
	parser, err := kong.New(grammar, opts...)
	if err != nil {
		panic(err) // a bug in the grammar
	}
	kctx, err = parser.Parse(args)
	if err != nil {
		fmt.Fprintf(stderr, "%s: error: %v\n", name, err)
		fmt.Fprintf(stderr, "%s: hint: run '%s --help' for usage\n", name, name)
		return nil, ExitUsage
	}
	return kctx, ExitOK
}

// Hinter is an error that knows what the user should do about it.
type Hinter interface {
	Hint() string
}

// HintError wraps an error with a hint for the user.
type HintError struct {
	Err      error
	HintText string
}

func (e *HintError) Error() string { return e.Err.Error() }
func (e *HintError) Unwrap() error { return e.Err }
func (e *HintError) Hint() string  { return e.HintText }

// WithHint returns err with a hint attached.
func WithHint(err error, format string, args ...any) error {
	return &HintError{Err: err, HintText: fmt.Sprintf(format, args...)}
}

// ExitError carries a specific exit code, with or without a message.
type ExitError struct {
	Code int
	Err  error // nil: the message was already printed
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

// Report prints err in the common style and returns the exit code for it.
func Report(stderr io.Writer, name string, err error) int {
	if err == nil {
		return ExitOK
	}
	code := ExitFailure
	var re *stream.ReportedError
	if errors.As(err, &re) {
		return code // each failure was reported as it happened
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		code = ee.Code
		if ee.Err == nil {
			return code
		}
	}
	fmt.Fprintf(stderr, "%s: error: %v\n", name, err)
	var h Hinter
	if errors.As(err, &h) && h.Hint() != "" {
		fmt.Fprintf(stderr, "%s: hint: %s\n", name, h.Hint())
	}
	return code
}

// HintOf is the hint of the first error in err's chain that has one, or "".
func HintOf(err error) string {
	var h Hinter
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}
