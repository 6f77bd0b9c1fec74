package recoveryconf

import "bytes"

// line is one line of a configuration file: its bytes without the final
// "\n" (a "\r" before it stays in text, as PostgreSQL treats it as blank)
// and whether the "\n" was there (only the last line may lack it).
type line struct {
	text []byte
	nl   bool
}

// splitLines cuts content into lines; joinLines(splitLines(b)) == b.
func splitLines(content []byte) []line {
	var lines []line
	for len(content) > 0 {
		i := bytes.IndexByte(content, '\n')
		if i < 0 {
			return append(lines, line{text: content})
		}
		lines = append(lines, line{text: content[:i], nl: true})
		content = content[i+1:]
	}
	return lines
}

// joinLines is the inverse of splitLines.
func joinLines(lines []line) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l.text)
		if l.nl {
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

// setting is one parsed "name = value" line.
type setting struct {
	name  string // as written
	key   string // name in ASCII lower case, as PostgreSQL compares names
	raw   string // the value token as written, quotes included
	value string // the value PostgreSQL sees: quotes and escapes removed
}

// parseLine parses text the way PostgreSQL's configuration scanner
// (guc-file.l) does: an optional blank prefix, a name, an optional "=",
// one value token, then only blanks or a comment. ok is false for blank
// and comment lines and for lines PostgreSQL would call a syntax error.
func parseLine(text []byte) (s setting, ok bool) {
	lx := lexer{text: text}
	kind, name := lx.next()
	if kind != tokID && kind != tokQualifiedID {
		return setting{}, false
	}
	kind, val := lx.next()
	if kind == tokEquals {
		kind, val = lx.next()
	}
	switch kind {
	case tokID, tokString, tokUnquoted, tokInteger, tokReal:
	default:
		return setting{}, false
	}
	if end, _ := lx.next(); end != tokEOL {
		return setting{}, false
	}
	s = setting{name: string(name), key: asciiLower(string(name)), raw: string(val), value: string(val)}
	if kind == tokString {
		s.value = unquote(val)
	}
	return s, true
}

// blank reports whether text holds only blanks and perhaps a comment.
func blank(text []byte) bool {
	lx := lexer{text: text}
	kind, _ := lx.next()
	return kind == tokEOL
}

// asciiLower folds ASCII letters only, like PostgreSQL's guc_name_compare.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// unquote removes the quotes of a STRING token and resolves its escapes as
// PostgreSQL's DeescapeQuotedString does: a doubled quote is a quote; \b \f \n \r \t;
// one to three octal digits; a backslash before any other byte is dropped.
func unquote(tok []byte) string {
	s := tok[1 : len(tok)-1]
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b = append(b, '\'')
			i++
		case c == '\\' && i+1 < len(s):
			n, skip := unescape(s[i+1:])
			b = append(b, n)
			i += skip
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// unescape decodes the escape after a backslash and says how many bytes it used.
func unescape(s []byte) (byte, int) {
	switch s[0] {
	case 'b':
		return '\b', 1
	case 'f':
		return '\f', 1
	case 'n':
		return '\n', 1
	case 'r':
		return '\r', 1
	case 't':
		return '\t', 1
	}
	if !isOctal(s[0]) {
		return s[0], 1
	}
	v, n := 0, 0
	for n < 3 && n < len(s) && isOctal(s[n]) {
		v = v*8 + int(s[n]-'0')
		n++
	}
	return byte(v), n
}

func isOctal(c byte) bool { return '0' <= c && c <= '7' }
