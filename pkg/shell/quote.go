package shell

import "strings"

// Quote quotes s as one word for a POSIX shell (go-shellwords reads it the
// same way): between single quotes, each single quote inside closed,
// escaped with a backslash and reopened. Every word is quoted, safe or not,
// so that the commands barman writes and prints read the same whatever the
// path.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// QuoteAll quotes each word.
func QuoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = Quote(w)
	}
	return out
}
