package catalog

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// strings parses one or more adjacent string literals and joins them.
func (p *pyParser) strings() (PyValue, error) {
	var b []byte
	for {
		var err error
		if b, err = p.str(b); err != nil {
			return nil, err
		}
		if c := p.peek(); c != '\'' && c != '"' {
			return PyStr(b), nil
		}
	}
}

// str appends the value of the quoted string at p to b.
func (p *pyParser) str(b []byte) ([]byte, error) {
	q := p.s[p.pos]
	if strings.HasPrefix(p.s[p.pos:], strings.Repeat(string(q), 3)) {
		return nil, p.errorf("triple-quoted strings are not supported")
	}
	p.pos++
	for p.pos < len(p.s) {
		switch c := p.s[p.pos]; {
		case c == q:
			p.pos++
			return b, nil
		case c == '\\':
			var err error
			if b, err = p.escape(b); err != nil {
				return nil, err
			}
		case c == '\n' || c == '\r' || c == 0:
			return nil, p.errorf("%q inside a string", c)
		default:
			b = append(b, c)
			p.pos++
		}
	}
	return nil, p.errorf("unterminated string")
}

// simpleEscape returns the byte a one-letter escape such as \n stands for.
func simpleEscape(c byte) (byte, bool) {
	i := strings.IndexByte("\\'\"abfnrtv", c)
	if i < 0 {
		return 0, false
	}
	return "\\'\"\a\b\f\n\r\t\v"[i], true
}

// escape decodes the backslash escape at p and appends it to b.
func (p *pyParser) escape(b []byte) ([]byte, error) {
	p.pos++
	if p.pos == len(p.s) {
		return nil, p.errorf("unterminated string")
	}
	c := p.s[p.pos]
	p.pos++
	if r, ok := simpleEscape(c); ok {
		return append(b, r), nil
	}
	switch c {
	case '\n':
		return b, nil // line continuation
	case 'x':
		return p.hexEscape(b, 2)
	case 'u':
		return p.hexEscape(b, 4)
	case 'U':
		return p.hexEscape(b, 8)
	case 'N':
		return nil, p.errorf(`\N{...} escapes are not supported`)
	}
	if '0' <= c && c <= '7' {
		return p.octalEscape(b)
	}
	p.pos-- // not an escape: Python keeps the backslash
	return append(b, '\\'), nil
}

// hexEscape decodes exactly n hexadecimal digits as a code point.
func (p *pyParser) hexEscape(b []byte, n int) ([]byte, error) {
	digits := p.rest(n)
	v, err := strconv.ParseUint(digits, 16, 32)
	if len(digits) != n || err != nil || strings.ContainsAny(digits, "+-_") {
		return nil, p.errorf("truncated \\%c escape: want %d hexadecimal digits", p.s[p.pos-1], n)
	}
	r := rune(v)
	if v > utf8.MaxRune || 0xD800 <= r && r <= 0xDFFF {
		return nil, p.errorf("escape \\%c%s is not a valid Unicode scalar value", p.s[p.pos-1], digits)
	}
	p.pos += n
	return utf8.AppendRune(b, r), nil
}

// octalEscape decodes 1 to 3 octal digits; p is just after the first one.
func (p *pyParser) octalEscape(b []byte) ([]byte, error) {
	v := rune(p.s[p.pos-1] - '0')
	for i := 0; i < 2 && p.pos < len(p.s) && '0' <= p.s[p.pos] && p.s[p.pos] <= '7'; i++ {
		v = v*8 + rune(p.s[p.pos]-'0')
		p.pos++
	}
	return utf8.AppendRune(b, v), nil
}
