package stream

import "fmt"

// ReportedError is the error of a stage run in which some inputs failed:
// each failure was written as an error record (and told on standard
// error), and the run went on. A binary exits 1 on it without printing
// it again.
type ReportedError struct {
	Stage  string
	Errors int64
}

func (e *ReportedError) Error() string {
	return fmt.Sprintf("%s: %d error(s), written as error records", e.Stage, e.Errors)
}
