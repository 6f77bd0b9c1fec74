package recoveryconf

// tokKind is a token of PostgreSQL's configuration scanner (guc-file.l).
type tokKind int

const (
	tokEOL tokKind = iota // end of line; comments are blank
	tokID
	tokQualifiedID
	tokString
	tokUnquoted
	tokInteger
	tokReal
	tokEquals
	tokError
)

// lexer scans one line (no "\n") with flex's rules: the longest match
// wins, and among equally long matches the rule listed first in
// guc-file.l (ID, QUALIFIED_ID, STRING, UNQUOTED_STRING, INTEGER, REAL).
type lexer struct {
	text []byte
	pos  int
}

// rules in guc-file.l order, so that ties go to the earlier one.
var rules = []struct {
	kind  tokKind
	match func([]byte) int
}{
	{tokID, matchID},
	{tokQualifiedID, matchQualifiedID},
	{tokString, matchString},
	{tokUnquoted, matchUnquoted},
	{tokInteger, matchInteger},
	{tokReal, matchReal},
}

// next returns the next token and its bytes, skipping blanks and comments.
func (lx *lexer) next() (tokKind, []byte) {
	for lx.pos < len(lx.text) && isBlank(lx.text[lx.pos]) {
		lx.pos++
	}
	rest := lx.text[lx.pos:]
	if len(rest) == 0 || rest[0] == '#' {
		lx.pos = len(lx.text)
		return tokEOL, nil
	}
	best, kind := 0, tokError
	for _, r := range rules {
		if n := r.match(rest); n > best {
			best, kind = n, r.kind
		}
	}
	if best == 0 {
		best = 1
		if rest[0] == '=' {
			kind = tokEquals
		}
	}
	lx.pos += best
	return kind, rest[:best]
}

func isBlank(c byte) bool         { return c == ' ' || c == '\t' || c == '\r' }
func isLetter(c byte) bool        { return c == '_' || c >= 0x80 || ('a' <= c|0x20 && c|0x20 <= 'z') }
func isDigit(c byte) bool         { return '0' <= c && c <= '9' }
func isLetterOrDigit(c byte) bool { return isLetter(c) || isDigit(c) }
func isUnitLetter(c byte) bool    { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isHexDigit(c byte) bool      { return isDigit(c) || ('a' <= c|0x20 && c|0x20 <= 'f') }

// span counts the leading bytes of s that satisfy ok.
func span(s []byte, ok func(byte) bool) int {
	n := 0
	for n < len(s) && ok(s[n]) {
		n++
	}
	return n
}

// matchID: {LETTER}{LETTER_OR_DIGIT}*
func matchID(s []byte) int {
	if len(s) == 0 || !isLetter(s[0]) {
		return 0
	}
	return 1 + span(s[1:], isLetterOrDigit)
}

// matchQualifiedID: {ID}"."{ID}
func matchQualifiedID(s []byte) int {
	n := matchID(s)
	if n == 0 || n >= len(s) || s[n] != '.' {
		return 0
	}
	m := matchID(s[n+1:])
	if m == 0 {
		return 0
	}
	return n + 1 + m
}

// matchUnquoted: {LETTER}({LETTER_OR_DIGIT}|[-._:/])*
func matchUnquoted(s []byte) int {
	if len(s) == 0 || !isLetter(s[0]) {
		return 0
	}
	return 1 + span(s[1:], func(c byte) bool {
		return isLetterOrDigit(c) || c == '-' || c == '.' || c == '_' || c == ':' || c == '/'
	})
}

// matchString: \'([^'\\\n]|\\.|\'\')*\'
func matchString(s []byte) int {
	if len(s) == 0 || s[0] != '\'' {
		return 0
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 >= len(s) {
				return 0
			}
			i++
		case '\'':
			if i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			return i + 1
		}
	}
	return 0
}

// sign returns 1 if s starts with "+" or "-".
func sign(s []byte) int {
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		return 1
	}
	return 0
}

// matchInteger: {SIGN}?({DIGIT}+|0x{HEXDIGIT}+){UNIT_LETTER}*
func matchInteger(s []byte) int {
	n := sign(s)
	d := span(s[n:], isDigit)
	if d == 0 {
		return 0
	}
	// "0x" followed by hex digits is longer than the digit "0" alone.
	if s[n] == '0' && n+2 < len(s) && s[n+1] == 'x' && isHexDigit(s[n+2]) {
		if h := 2 + span(s[n+2:], isHexDigit); h > d {
			d = h
		}
	}
	n += d
	return n + span(s[n:], isUnitLetter)
}

// matchReal: {SIGN}?{DIGIT}*"."{DIGIT}*{EXPONENT}?  with EXPONENT [Ee]{SIGN}?{DIGIT}+
func matchReal(s []byte) int {
	n := sign(s)
	n += span(s[n:], isDigit)
	if n >= len(s) || s[n] != '.' {
		return 0
	}
	n++
	n += span(s[n:], isDigit)
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		m += sign(s[m:])
		if d := span(s[m:], isDigit); d > 0 {
			n = m + d
		}
	}
	return n
}
