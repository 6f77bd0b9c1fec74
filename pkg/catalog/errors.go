package catalog

import "fmt"

// ParseError is a problem at one line of a catalogue file.
type ParseError struct {
	File string // file name as given to the parser
	Line int    // 1-based
	Msg  string
	Err  error // underlying cause, if any
}

func (e *ParseError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

func (e *ParseError) Unwrap() error { return e.Err }
