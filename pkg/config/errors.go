package config

import (
	"fmt"
	"strings"
)

// Pos is where a value was read: a file and a 1-based line.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string {
	if p.File == "" {
		return "(default)"
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Problem is one error or warning found in the configuration.
type Problem struct {
	Pos     Pos
	Section string
	Key     string
	Msg     string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Pos.String())
	b.WriteString(": ")
	if p.Key != "" {
		fmt.Fprintf(&b, "[%s] %s: ", p.Section, p.Key)
	} else if p.Section != "" {
		fmt.Fprintf(&b, "[%s]: ", p.Section)
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is returned when the configuration cannot be used. It lists every
// problem found, so a user can fix them all at once.
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "invalid configuration: " + strings.Join(lines, "; ")
}
