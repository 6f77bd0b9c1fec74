package shell

import (
	"os/exec"
	"testing"
)

// TestQuote: what Quote makes of a word, sh gives back byte for byte.
func TestQuote(t *testing.T) {
	for _, w := range []string{"", "plain", "/var/lib/postgresql/15/main", "it's", "a b", "$HOME", "`id`", "x;rm -rf /", "tab\there",
		"new\nline", `back\slash`, "*?[]", "'''", "é", "--flag=value", "~user", "a#b", "{a,b}"} {
		got := Quote(w)
		out, err := exec.Command("sh", "-c", "printf %s "+got).Output()
		if err != nil || string(out) != w {
			t.Errorf("Quote(%q) = %s: sh gives %q (%v)", w, got, out, err)
		}
	}
	for w, want := range map[string]string{"/pg/data": "'/pg/data'", "a b": "'a b'", "": "''"} {
		if got := Quote(w); got != want {
			t.Errorf("Quote(%q) = %s, want %s", w, got, want)
		}
	}
}

func TestQuoteAll(t *testing.T) {
	if got := QuoteAll([]string{"a b", "it's", "x"}); len(got) != 3 || got[0] != "'a b'" || got[1] != `'it'\''s'` || got[2] != "'x'" {
		t.Errorf("%q", got)
	}
}
