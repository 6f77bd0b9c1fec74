package catalog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestXlogDBFind(t *testing.T) {
	text := "000000010000000000000001\t10\t1.5\tgzip\n" +
		"000000010000000000000002 20 2.5\r\n" + // Barman 2's three fields, a CRLF
		"000000010000000000000003\t30\t3.5\tNone\n" +
		"000000010000000000000003\t31\t3.6\tcustom\n" + // listed twice: the last line
		"000000010000000000000004\tnot-a-size\t4.5\tNone\n"
	p := filepath.Join(t.TempDir(), "xlog.db")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		found       bool
		fields      int
		compression string
	}{
		{"000000010000000000000001", true, 4, "gzip"},
		{"000000010000000000000002", true, 3, ""},
		{"000000010000000000000003", true, 4, "custom"},
		{"000000010000000000000009", false, 0, ""},
	} {
		got, err := XlogDBFind(p, tc.name)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		e, ok := got[tc.name]
		if ok != tc.found || e.Fields != tc.fields || e.Compression != tc.compression || len(got) > 1 {
			t.Errorf("%s: found %v %+v, want %v with %d fields, compression %q", tc.name, ok, e, tc.found, tc.fields, tc.compression)
		}
	}
	// A bad line is an error only when it is one of the names asked for.
	if _, err := XlogDBFind(p, "000000010000000000000004"); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "invalid size") {
		t.Errorf("bad line: %v, want an error naming %s and the problem", err, p)
	}
	if got, err := XlogDBFind(filepath.Join(t.TempDir(), "none"), "000000010000000000000001"); err != nil || len(got) != 0 {
		t.Errorf("missing xlog.db: %v %v, want nothing found", got, err)
	}
}
