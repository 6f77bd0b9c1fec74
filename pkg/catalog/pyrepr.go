package catalog

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

const lowerHex = "0123456789abcdef"

// appendReprString appends s quoted as CPython's repr() quotes a str: single
// quotes unless s holds a single quote and no double quote; backslash
// escapes for the quote, the backslash, \t, \n, \r; \xhh for other control
// characters; non-ASCII characters kept as they are when printable, else
// \xhh, \uhhhh or \Uhhhhhhhh. Invalid UTF-8 bytes come out as U+FFFD.
func appendReprString(b []byte, s string) []byte {
	quote := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		quote = '"'
	}
	b = append(b, quote)
	for _, r := range s {
		b = appendReprRune(b, r, quote)
	}
	return append(b, quote)
}

func appendReprRune(b []byte, r rune, quote byte) []byte {
	switch {
	case r == rune(quote) || r == '\\':
		return append(b, '\\', byte(r))
	case r == '\t':
		return append(b, `\t`...)
	case r == '\n':
		return append(b, `\n`...)
	case r == '\r':
		return append(b, `\r`...)
	case r < ' ' || r == 0x7F:
		return appendHexEscape(b, 'x', uint32(r), 2)
	case r < 0x7F || unicode.IsPrint(r):
		return utf8.AppendRune(b, r)
	case r <= 0xFF:
		return appendHexEscape(b, 'x', uint32(r), 2)
	case r <= 0xFFFF:
		return appendHexEscape(b, 'u', uint32(r), 4)
	}
	return appendHexEscape(b, 'U', uint32(r), 8)
}

func appendHexEscape(b []byte, kind byte, v uint32, digits int) []byte {
	b = append(b, '\\', kind)
	for i := digits - 1; i >= 0; i-- {
		b = append(b, lowerHex[(v>>(4*i))&0xF])
	}
	return b
}

// reprFloat formats f as CPython's repr() does: the shortest text that
// reads back as f, in positional notation with at least one decimal when
// the decimal exponent is between -4 and 16, else in exponent notation with
// a signed exponent of at least two digits (1e+16, 1.5e-05).
func reprFloat(f float64) string {
	s := strconv.FormatFloat(f, 'e', -1, 64)
	switch s {
	case "+Inf":
		return "inf"
	case "-Inf":
		return "-inf"
	case "NaN":
		return "nan"
	}
	sign := ""
	if s[0] == '-' {
		sign, s = "-", s[1:]
	}
	mant, expText, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	if decpt := exp + 1; decpt > -4 && decpt <= 16 {
		return sign + positional(digits, decpt)
	}
	return sign + mant + "e" + expSign(exp) + twoDigits(exp)
}

// positional places the decimal point decpt digits into digits.
func positional(digits string, decpt int) string {
	switch {
	case decpt <= 0:
		return "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		return digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	}
	return digits[:decpt] + "." + digits[decpt:]
}

func expSign(exp int) string {
	if exp < 0 {
		return "-"
	}
	return "+"
}

func twoDigits(exp int) string {
	if exp < 0 {
		exp = -exp
	}
	if exp < 10 {
		return "0" + strconv.Itoa(exp)
	}
	return strconv.Itoa(exp)
}
