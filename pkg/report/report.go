package report

import (
	"fmt"
	"sync"
)

// Reporter receives a job's messages, formatted as fmt.Sprintf does.
type Reporter interface {
	Info(format string, args ...any)
	Warning(format string, args ...any)
	Error(format string, args ...any)
}

// Discard drops every message.
var Discard Reporter = discard{}

type discard struct{}

func (discard) Info(string, ...any)    {}
func (discard) Warning(string, ...any) {}
func (discard) Error(string, ...any)   {}

// Message is one recorded message.
type Message struct {
	Level string // "info", "warning" or "error"
	Text  string
}

// Recorder keeps every message; it is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	Messages []Message
}

func (r *Recorder) add(level, format string, args []any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Messages = append(r.Messages, Message{level, fmt.Sprintf(format, args...)})
}

// Info records an information line.
func (r *Recorder) Info(format string, args ...any) { r.add("info", format, args) }

// Warning records a warning.
func (r *Recorder) Warning(format string, args ...any) { r.add("warning", format, args) }

// Error records an error.
func (r *Recorder) Error(format string, args ...any) { r.add("error", format, args) }

// All returns a copy of the messages recorded so far (safe while others
// are still reporting).
func (r *Recorder) All() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.Messages...)
}
