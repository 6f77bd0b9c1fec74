package stream

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"
)

const manPage = "../../man/barman-stream.5.md"

var recordLine = regexp.MustCompile(`^\{"type":"[a-z_]+"`)

// TestManPageExamples keeps barman-stream(5) honest: every record line in
// it decodes, every full (versioned) example of a known type is a line of
// the golden file, and every record type has an example.
func TestManPageExamples(t *testing.T) {
	man, err := os.ReadFile(manPage)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	goldenLines := map[string]bool{}
	for l := range bytes.Lines(want) {
		goldenLines[strings.TrimSpace(string(l))] = true
	}
	shown := map[string]bool{}
	for l := range strings.Lines(string(man)) {
		l = strings.TrimSpace(l)
		if !recordLine.MatchString(l) {
			continue // prose, or the synopsis template {"type":"<type>",...}
		}
		rec, err := Unmarshal([]byte(l))
		if err != nil {
			t.Errorf("%s: %v\n%s", manPage, err, l)
			continue
		}
		if !goldenLines[l] {
			t.Errorf("%s: example not in %s:\n%s", manPage, golden, l)
		}
		shown[rec.Type()] = true
	}
	for typ := range registry {
		if !shown[typ] {
			t.Errorf("%s: no example of %q", manPage, typ)
		}
	}
}
