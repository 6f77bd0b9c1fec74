package catalog

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxPyDepth bounds the nesting of containers ParsePy accepts.
const maxPyDepth = 100

// ParsePy parses a Python literal, the subset of ast.literal_eval input
// that repr() produces for the types of PyValue: None, True, False, decimal
// ints (with an optional sign), floats, single-line quoted strings (with
// escapes and adjacent-literal concatenation), lists, tuples and dicts.
// Errors give the byte offset of the problem.
func ParsePy(s string) (PyValue, error) {
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("python literal is not valid UTF-8")
	}
	p := &pyParser{s: s}
	v, err := p.value(0)
	if err == nil {
		p.skipSpace()
		if p.pos < len(p.s) {
			err = p.errorf("unexpected %q after the value", p.rest(10))
		}
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

type pyParser struct {
	s   string
	pos int
}

func (p *pyParser) errorf(format string, args ...any) error {
	return fmt.Errorf("python literal: offset %d: %s", p.pos, fmt.Sprintf(format, args...))
}

// rest returns up to n bytes of the input from the current position.
func (p *pyParser) rest(n int) string {
	return p.s[p.pos:min(len(p.s), p.pos+n)]
}

func (p *pyParser) skipSpace() {
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r\f", p.s[p.pos]) >= 0 {
		p.pos++
	}
}

// peek skips spaces and returns the next byte, 0 at the end.
func (p *pyParser) peek() byte {
	p.skipSpace()
	if p.pos == len(p.s) {
		return 0
	}
	return p.s[p.pos]
}

func (p *pyParser) value(depth int) (PyValue, error) {
	if depth > maxPyDepth {
		return nil, p.errorf("nested deeper than %d levels", maxPyDepth)
	}
	switch c := p.peek(); {
	case c == '[':
		items, _, err := p.items(depth, ']')
		return PyList(items), err
	case c == '(':
		return p.tupleOrGroup(depth)
	case c == '{':
		return p.dict(depth)
	case c == '\'' || c == '"':
		return p.strings()
	case c == '-' || c == '+' || c == '.' || isDigit(c):
		return p.number()
	case c == 0:
		return nil, p.errorf("missing value")
	}
	return p.keyword()
}

func (p *pyParser) keyword() (PyValue, error) {
	word := p.s[p.pos : p.pos+identLen(p.s[p.pos:])]
	var v PyValue
	switch word {
	case "None":
		v = PyNone{}
	case "True":
		v = PyBool(true)
	case "False":
		v = PyBool(false)
	default:
		return nil, p.errorf("unexpected %q", p.rest(max(1, min(len(word), 20))))
	}
	p.pos += len(word)
	return v, nil
}

// items parses comma-separated values up to close; p is on the opener.
// comma tells whether the last value was followed by a comma.
func (p *pyParser) items(depth int, close byte) (items []PyValue, comma bool, err error) {
	p.pos++
	items = []PyValue{}
	for p.peek() != close {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, false, err
		}
		items = append(items, v)
		if comma, err = p.separator(close); err != nil {
			return nil, false, err
		}
	}
	p.pos++
	return items, comma, nil
}

// separator consumes a comma, or checks that close comes next.
func (p *pyParser) separator(close byte) (comma bool, err error) {
	switch p.peek() {
	case ',':
		p.pos++
		return true, nil
	case close:
		return false, nil
	case 0:
		return false, p.errorf("missing %q", close)
	}
	return false, p.errorf("expected \",\" or %q, found %q", close, p.rest(1))
}

// tupleOrGroup parses "(...)": a tuple, or a parenthesised value.
func (p *pyParser) tupleOrGroup(depth int) (PyValue, error) {
	items, comma, err := p.items(depth, ')')
	if err != nil {
		return nil, err
	}
	if len(items) == 1 && !comma {
		return items[0], nil
	}
	return PyTuple(items), nil
}
