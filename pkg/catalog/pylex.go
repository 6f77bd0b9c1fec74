package catalog

import (
	"errors"
	"strconv"
	"strings"
)

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isIdentByte(c byte) bool {
	return isDigit(c) || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c >= 0x80
}

// identLen returns the length of the identifier-like prefix of s.
func identLen(s string) int {
	n := 0
	for n < len(s) && isIdentByte(s[n]) {
		n++
	}
	return n
}

func digitsLen(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

// numberLen returns the length of the decimal int or float at the start of
// s, and whether it is a float; 0 when s does not start with a number.
func numberLen(s string) (n int, float bool) {
	n = digitsLen(s)
	intDigits := n
	if n < len(s) && s[n] == '.' {
		frac := digitsLen(s[n+1:])
		if intDigits+frac == 0 {
			return 0, false
		}
		n, float = n+1+frac, true
	}
	if n == 0 || n == len(s) || s[n] != 'e' && s[n] != 'E' {
		return n, float
	}
	e := n + 1
	if e < len(s) && (s[e] == '+' || s[e] == '-') {
		e++
	}
	if d := digitsLen(s[e:]); d > 0 {
		return e + d, true
	}
	return n, float
}

// number parses an optionally signed decimal int or float.
func (p *pyParser) number() (PyValue, error) {
	sign := ""
	if c := p.s[p.pos]; c == '-' || c == '+' {
		sign = string(c)
		p.pos++
		p.skipSpace()
	}
	start := p.pos
	n, float := numberLen(p.s[p.pos:])
	if n == 0 {
		return nil, p.errorf("expected a number")
	}
	p.pos += n
	if p.pos < len(p.s) && (isIdentByte(p.s[p.pos]) || p.s[p.pos] == '.') {
		return nil, p.errorf("invalid number %q", p.s[start:p.pos+1])
	}
	text := p.s[start:p.pos]
	if float {
		return p.float(sign + text)
	}
	if len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
		return nil, p.errorf("leading zeros in decimal integer %q", text)
	}
	i, err := strconv.ParseInt(sign+text, 10, 64)
	if err != nil {
		return nil, p.errorf("integer %s%s out of range", sign, text)
	}
	return PyInt(i), nil
}

func (p *pyParser) float(text string) (PyValue, error) {
	f, err := strconv.ParseFloat(text, 64)
	if errors.Is(err, strconv.ErrRange) {
		return nil, p.errorf("float %s out of range", text)
	}
	if err != nil {
		return nil, p.errorf("invalid float %q", text)
	}
	return PyFloat(f), nil
}
