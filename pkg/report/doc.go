// Package report is how a job tells its user what it does: the lines
// Barman prints while it works ("Starting backup using ...", warnings,
// errors). Jobs take a Reporter and never write to a terminal or a file
// themselves; the front-end passes its console or JSON output, a stage
// binary its standard error, a test a Recorder.
package report
