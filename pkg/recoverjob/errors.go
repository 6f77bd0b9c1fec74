package recoverjob

import "fmt"

// hinted is an error with what the user should do about it; the
// front-end prints the hint on its own line.
type hinted struct {
	err  error
	hint string
}

func (e *hinted) Error() string { return e.err.Error() }
func (e *hinted) Unwrap() error { return e.err }

// Hint says what to do about the error.
func (e *hinted) Hint() string { return e.hint }

func withHint(err error, format string, args ...any) error {
	return &hinted{err: err, hint: fmt.Sprintf(format, args...)}
}

// TargetError is a recovery target given wrong (two targets, a bad time,
// an option that needs a target): the command line is to be fixed.
type TargetError struct{ Err error }

func (e *TargetError) Error() string { return e.Err.Error() }
func (e *TargetError) Unwrap() error { return e.Err }
