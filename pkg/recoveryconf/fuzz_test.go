package recoveryconf

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzPrepare feeds arbitrary postgresql.conf and postgresql.auto.conf
// contents to Prepare: it must not panic nor fail, must keep every line it
// did not report as changed, and must leave archiving off.
func FuzzPrepare(f *testing.F) {
	for _, tc := range goldenCases {
		in := filepath.Join("testdata", tc.name, "in")
		conf, _ := os.ReadFile(filepath.Join(in, PostgresqlConf))
		auto, _ := os.ReadFile(filepath.Join(in, AutoConf))
		f.Add(conf, auto, uint8(15))
	}
	f.Add([]byte("archive_command = 'x'"), []byte("include 'a'\r\narchive_library = 'b'\r"), uint8(9))
	f.Add([]byte("\n\r\n#\n"), []byte{}, uint8(12))
	f.Fuzz(func(t *testing.T, conf, auto []byte, major uint8) {
		o := Options{PGVersion: 90000 + int(major%10)*10000, RestoreCommand: "cp /r/%f %p", TargetXID: "42", Exclusive: true}
		if o.PGVersion >= 100000 {
			o.PGVersion = int(major%10+10) * 10000
		}
		files := map[string][]byte{PostgresqlConf: conf, AutoConf: auto}
		if len(conf)%3 == 0 {
			delete(files, PostgresqlConf) // also try a data directory without it
		}
		p, err := Prepare(o, files)
		if err != nil {
			t.Fatalf("Prepare: %v", err)
		}
		checkPlan(t, o, files, p)
	})
}

// checkPlan checks the promises of a plan against its input files.
func checkPlan(t *testing.T, o Options, files map[string][]byte, p Plan) {
	t.Helper()
	settings, _ := Settings(o)
	for name, content := range p.Write {
		if _, existed := files[name]; existed && !bytes.Equal(p.Origin[name], files[name]) {
			t.Errorf("%s is written but its origin is not its original content", name)
		}
		if name == PostgresqlConf || name == AutoConf {
			checkKeptLines(t, name, files[name], content, p.Changes, settings)
		}
	}
	read := []string{PostgresqlConf}
	if o.PGVersion >= 90400 {
		read = append(read, AutoConf)
	}
	for _, name := range read {
		content, ok := p.Write[name]
		if !ok {
			content = files[name]
		}
		checkArchivingOff(t, o, name, content)
	}
	again := map[string][]byte{}
	for name, content := range files {
		again[name] = content
	}
	for name, content := range p.Write {
		again[name] = content
	}
	p2, err := Prepare(o, again)
	if err != nil {
		t.Fatalf("Prepare on its own output: %v", err)
	}
	for _, c := range p2.Changes {
		if c.Old != "" && (c.Name == "archive_command" || c.Name == "archive_library") {
			t.Errorf("Prepare on its own output changed %s again: %v", c.Name, c)
		}
	}
}

// checkKeptLines undoes the reported changes on the new content and checks
// that the original comes back, followed only by the appended blocks:
// blank lines, comments and the recovery settings.
func checkKeptLines(t *testing.T, name string, orig, content []byte, changes []Change, settings []string) {
	t.Helper()
	lines := splitLines(content)
	drop, uncomment := map[int]bool{}, map[int]bool{}
	for _, c := range changes {
		if c.File != name {
			continue
		}
		if c.Line < 1 || c.Line > len(lines) || trimCR(lines[c.Line-1].text) != c.New {
			t.Fatalf("%s: change %q: line %d is not %q", name, c, c.Line, c.New)
		}
		switch {
		case c.Old == "":
			drop[c.Line-1] = true
		case c.New == commentPrefix+c.Old:
			uncomment[c.Line-1] = true
		case c.Line >= 2 && trimCR(lines[c.Line-2].text) == commentPrefix+c.Old:
			drop[c.Line-1], uncomment[c.Line-2] = true, true
		default:
			t.Fatalf("%s: change %q: the original line is not kept commented out", name, c)
		}
	}
	var kept []line
	for i, l := range lines {
		if uncomment[i] {
			l.text = l.text[len(commentPrefix):]
		}
		if !drop[i] {
			kept = append(kept, l)
		}
	}
	got := joinLines(kept)
	if !bytes.HasPrefix(got, orig) {
		t.Fatalf("%s: lines lost or changed without a report:\n got %q\nwant %q", name, got, orig)
	}
	for _, l := range splitLines(got[len(orig):]) {
		text := trimCR(l.text)
		if text != "" && !strings.HasPrefix(text, "#") && !contains(settings, text) {
			t.Errorf("%s: unexpected line %q appended", name, text)
		}
	}
}

// checkArchivingOff checks that no active line of content archives WAL.
func checkArchivingOff(t *testing.T, o Options, name string, content []byte) {
	t.Helper()
	for i, l := range splitLines(content) {
		s, ok := parseLine(l.text)
		if ok && (s.key == "archive_command" || s.key == "archive_library") && !harmless(s) {
			t.Errorf("%s line %d still archives: %q", name, i+1, l.text)
		}
	}
}

func trimCR(b []byte) string { return strings.TrimSuffix(string(b), "\r") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FuzzQuote checks that PostgreSQL's scanner, as parseLine implements it,
// reads back every value Quote writes.
func FuzzQuote(f *testing.F) {
	for _, s := range []string{"", "it's", `C:\wal\%f`, `\'`, "''", "#", "\r", "\t\\101"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.ContainsAny(v, "\n\x00") {
			t.Skip("Settings refuses line breaks and NUL bytes")
		}
		s, ok := parseLine([]byte("restore_command = " + Quote(v) + " # comment"))
		if !ok || s.value != v {
			t.Errorf("Quote(%q) = %s, read back as %q (ok %v)", v, Quote(v), s.value, ok)
		}
	})
}
