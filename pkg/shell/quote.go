package shell

import "strings"

// safe are the bytes no POSIX shell treats specially in a word (Python's
// shlex.quote, which Barman uses, leaves the same ones bare).
const safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-"

// Quote quotes s as one word for a POSIX shell (go-shellwords reads it the
// same way): as it is when every byte is safe, else between single
// quotes, each single quote inside closed, escaped with a backslash and
// reopened. A word barman writes in a configuration value (ssh_command)
// must not start with a quote: Barman's reader strips a pair around the
// whole value.
func Quote(s string) string {
	if s != "" && strings.Trim(s, safe) == "" {
		return s
	}
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
