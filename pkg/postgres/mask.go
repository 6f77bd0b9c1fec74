package postgres

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// Mask is what MaskConninfo shows in place of a secret.
const Mask = "********"

// secretKeywords are the libpq connection keywords whose values are
// secrets (the ones libpq's PQconndefaults marks with "*").
var secretKeywords = map[string]bool{"password": true, "sslpassword": true, "oauth_client_secret": true}

// isSecret says whether a connection keyword holds a secret. libpq matches
// keywords case-sensitively; masking is case-insensitive so that a
// misspelt PASSWORD is hidden too.
func isSecret(keyword string) bool { return secretKeywords[strings.ToLower(keyword)] }

// MaskConninfo returns a libpq connection string for display: the whole
// value of every secret keyword (password, sslpassword, ...) is replaced
// by Mask, quoted or not, escapes included, and the rest is kept as
// written. Both forms libpq accepts are read with its grammar: keyword =
// value pairs, and postgresql:// or postgres:// URIs (the password of the
// user information and secret query parameters). After a syntax error in
// the keyword form nothing more is shown: what follows cannot be told
// apart from a secret.
func MaskConninfo(conninfo string) string {
	masked, _ := maskConninfo(conninfo)
	return masked
}

// maskConninfo is MaskConninfo, and the syntax error of the keyword form
// (a URI's syntax is left to pgx, whose messages do not quote secrets).
func maskConninfo(conninfo string) (string, error) {
	for _, prefix := range []string{"postgresql://", "postgres://"} {
		if strings.HasPrefix(conninfo, prefix) {
			return prefix + maskURI(conninfo[len(prefix):]), nil
		}
	}
	return maskKeywords(conninfo)
}

// maskKeywords masks the keyword = value form.
func maskKeywords(s string) (string, error) {
	var b strings.Builder
	for pos := 0; ; {
		start := skipSpace(s, pos)
		if start == len(s) {
			return b.String() + s[pos:], nil
		}
		keyword, valStart, err := readKeyword(s, start)
		if err != nil {
			return b.String() + s[pos:start] + Mask, err
		}
		valEnd, ok := valueEnd(s, valStart)
		b.WriteString(s[pos:valStart])
		switch {
		case !ok:
			return b.String() + Mask, fmt.Errorf("unterminated quoted value at byte %d", valStart+1)
		case isSecret(keyword):
			b.WriteString(Mask)
		default:
			b.WriteString(s[valStart:valEnd])
		}
		pos = valEnd
	}
}

// readKeyword reads a keyword at i and the "=" after it, with optional
// spaces around it, and returns where the value starts. A keyword ends
// at a space or "=" and may not be empty. The errors do not quote the
// text: it may be part of a password written without quotes.
func readKeyword(s string, i int) (keyword string, valStart int, err error) {
	end := i
	for end < len(s) && s[end] != '=' && !isSpace(s[end]) {
		end++
	}
	eq := skipSpace(s, end)
	switch {
	case end == i:
		return "", 0, fmt.Errorf("missing keyword before \"=\" at byte %d", i+1)
	case eq == len(s) || s[eq] != '=':
		return "", 0, fmt.Errorf("missing \"=\" after the keyword at byte %d", i+1)
	}
	return s[i:end], skipSpace(s, eq+1), nil
}

// valueEnd returns where the value starting at i ends: a single-quoted
// value at its closing quote, another at the next space; a backslash
// escapes the next byte in both. ok is false for an unterminated quote.
func valueEnd(s string, i int) (end int, ok bool) {
	quoted := i < len(s) && s[i] == '\''
	if quoted {
		i++
	}
	for i < len(s) {
		switch {
		case s[i] == '\\':
			i++
		case quoted && s[i] == '\'':
			return i + 1, true
		case !quoted && isSpace(s[i]):
			return i, true
		}
		i++
	}
	return len(s), !quoted
}

func skipSpace(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

// isSpace is C's isspace, which libpq uses.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// maskURI masks a connection URI after its scheme. Like libpq, the user
// information ends at the first "@" before any "/", its password starts
// after the first ":" in it, and the query starts at the first "?" after
// the user information. A "?" inside the user information is not valid
// there, but a reader could take it for the query's start: the secrets of
// that reading are masked too.
func maskURI(s string) string {
	var spans []span
	queryFrom := 0
	if at := strings.IndexAny(s, "@/"); at >= 0 && s[at] == '@' {
		if c := strings.IndexByte(s[:at], ':'); c >= 0 {
			spans = append(spans, span{c + 1, at})
		}
		queryFrom = at + 1
	}
	for _, from := range []int{0, queryFrom} {
		if q := strings.IndexByte(s[from:], '?'); q >= 0 {
			spans = append(spans, querySecrets(s, from+q+1)...)
		}
	}
	return maskSpans(s, spans)
}

// span is a byte range [start, end) of a string.
type span struct{ start, end int }

// querySecrets returns the values of the secret parameters in the URI
// query starting at i: "&"-separated key=value pairs, percent-encoded.
// Spaces around a key are ignored, raw (as libpq does) or encoded, and a
// key that does not decode has its value masked too.
func querySecrets(s string, i int) []span {
	var spans []span
	for _, pair := range strings.Split(s[i:], "&") {
		if eq := strings.IndexByte(pair, '='); eq >= 0 {
			if k, err := url.PathUnescape(pair[:eq]); err != nil || isSecret(strings.TrimSpace(k)) {
				spans = append(spans, span{i + eq + 1, i + len(pair)})
			}
		}
		i += len(pair) + 1
	}
	return spans
}

// maskSpans replaces each span of s, or each run of overlapping spans,
// with Mask; an empty span is replaced too.
func maskSpans(s string, spans []span) string {
	sort.Slice(spans, func(a, b int) bool { return spans[a].start < spans[b].start })
	var b strings.Builder
	pos := 0
	for i := 0; i < len(spans); {
		start, end := spans[i].start, spans[i].end
		for i++; i < len(spans) && spans[i].start <= end; i++ {
			end = max(end, spans[i].end)
		}
		b.WriteString(s[pos:start] + Mask)
		pos = end
	}
	return b.String() + s[pos:]
}
