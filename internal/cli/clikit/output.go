package clikit

import (
	"encoding/json"
	"fmt"
	"io"
	"sync"
)

// Output is Barman's output writer. In console format messages and
// results are printed as they come; in json format everything is
// collected and printed as one JSON object (sorted keys) at Close, with
// messages under _INFO, _WARNING and _ERROR, as Barman does.
type Output struct {
	mu             sync.Mutex // steps of a command may write at once
	json           bool
	quiet          bool
	stdout, stderr io.Writer
	doc            map[string]any
	failed         bool
}

// NewOutput returns a writer for format "console" or "json".
func NewOutput(format string, quiet bool, stdout, stderr io.Writer) *Output {
	return &Output{json: format == "json", quiet: quiet, stdout: stdout, stderr: stderr, doc: map[string]any{}}
}

// Stdout is where the command's own output goes (a WAL file, a stream).
func (o *Output) Stdout() io.Writer { return o.stdout }

// JSON reports whether results must be given with Result.
func (o *Output) JSON() bool { return o.json }

// Failed reports whether an error was written.
func (o *Output) Failed() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.failed
}

func (o *Output) message(kind, format string, args ...any) {
	list, _ := o.doc[kind].([]string)
	o.doc[kind] = append(list, fmt.Sprintf(format, args...))
}

// Info prints an informational line on standard output (not with -q).
func (o *Output) Info(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	switch {
	case o.json:
		o.message("_INFO", format, args...)
	case !o.quiet:
		fmt.Fprintf(o.stdout, format+"\n", args...)
	}
}

// Line prints a result line in console format (also with -q).
func (o *Output) Line(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.json {
		fmt.Fprintf(o.stdout, format+"\n", args...)
	}
}

// Warning prints "WARNING: ..." on standard error.
func (o *Output) Warning(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.json {
		o.message("_WARNING", format, args...)
		return
	}
	fmt.Fprintf(o.stderr, "WARNING: "+format+"\n", args...)
}

// Error prints "ERROR: ..." on standard error and makes the exit non-zero.
func (o *Output) Error(format string, args ...any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.failed = true
	if o.json {
		o.message("_ERROR", format, args...)
		return
	}
	fmt.Fprintf(o.stderr, "ERROR: "+format+"\n", args...)
}

// Result records a top-level JSON key (ignored in console format).
func (o *Output) Result(key string, value any) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.json {
		o.doc[key] = value
	}
}

// Close prints the JSON document. It is safe to call more than once.
func (o *Output) Close() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.json || o.doc == nil {
		return
	}
	data, err := json.Marshal(o.doc)
	if err == nil {
		fmt.Fprintf(o.stdout, "%s\n", data)
	}
	o.doc = nil
}
