package recoveryconf

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*/want and testdata/*/report.txt from Prepare's output")

const stamp = "2026-11-25 13:18:06.427921+00:00"

// goldenCases run Prepare on testdata/<name>/in; the files it writes are in
// testdata/<name>/want and the rest of the plan in testdata/<name>/report.txt.
var goldenCases = []struct {
	name string
	o    Options
}{
	// The lab's PITR to a restore point: initdb's postgresql.conf plus what
	// the lab added, so that Barman printed lines 817 and 820 (0-based).
	{"pg15-stock", Options{PGVersion: 150004,
		RestoreCommand:     "cp /var/lib/postgresql/restore/r1/barman_wal/%f %p",
		RecoveryEndCommand: "rm -fr /var/lib/postgresql/restore/r1/barman_wal",
		TargetName:         "before_second", TargetAction: "promote", Stamp: stamp}},
	// The lab's get-wal standby with an exclusive time target.
	{"standby", Options{PGVersion: 150004, RestoreCommand: "barman get-wal  pg %f > %p",
		Header:     "# The 'barman get-wal' command must run as 'postgres' user",
		TargetTime: "2026-11-25 13:17:01+00:00", Exclusive: true, StandbyMode: true, Stamp: stamp}},
	{"auto-only", Options{PGVersion: 160002, RestoreCommand: "cp /r/barman_wal/%f %p",
		TargetTime: "2026-11-25 13:17:01.123456+00:00", Stamp: stamp}},
	{"both", Options{PGVersion: 140010, RestoreCommand: "cp /r/barman_wal/%f %p",
		TargetXID: "7654321", Exclusive: true, TargetTLI: "latest", Stamp: stamp}},
	{"archive-library", Options{PGVersion: 150004, RestoreCommand: "cp /r/barman_wal/%f %p",
		TargetLSN: "0/3000028", Exclusive: true, TargetAction: "shutdown", Stamp: stamp}},
	{"recovery-target", Options{PGVersion: 150004, RestoreCommand: "cp /r/barman_wal/%f %p",
		RecoveryEndCommand: "rm -fr /r/barman_wal", TargetTime: "2026-11-25 13:17:01+00:00",
		TargetAction: "pause", Stamp: stamp}},
	{"pg11", Options{PGVersion: 110020, RestoreCommand: "barman-wal-restore -U barman backup pg %f %p",
		Header:      "# The 'barman-wal-restore' command is provided in the 'barman-cli' package",
		StandbyMode: true, TargetImmediate: true, TargetAction: "promote", Stamp: stamp}},
	{"plain", Options{PGVersion: 150004, Stamp: stamp}},
	{"include", Options{PGVersion: 150004, RestoreCommand: "cp /r/barman_wal/%f %p", TargetImmediate: true, Stamp: stamp}},
	{"missing-conf", Options{PGVersion: 130012, RestoreCommand: "cp /r/barman_wal/%f %p", TargetTLI: "3", Stamp: stamp}},
	{"syntax", Options{PGVersion: 150004, RestoreCommand: `copy "C:\server\wal\%f" "%p" & echo it's done`,
		TargetName: "it's", ConfFilename: "custom.conf", Header: "first header line\n# second header line"}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", tc.name)
			files := readDir(t, filepath.Join(dir, "in"))
			p, err := Prepare(tc.o, files)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			checkPlan(t, tc.o, files, p)
			report := renderPlan(t, p)
			if *update {
				writeGolden(t, dir, p.Write, report)
				return
			}
			compareGolden(t, dir, p.Write, report)
		})
	}
}

// renderPlan lists the files of the plan, then prints its report.
func renderPlan(t *testing.T, p Plan) []byte {
	var b bytes.Buffer
	for _, name := range sortedKeys(p.Write) {
		b.WriteString("write: " + name + "\n")
	}
	for _, name := range sortedKeys(p.Origin) {
		b.WriteString("origin: " + name + "\n")
	}
	for _, name := range p.Remove {
		b.WriteString("remove: " + name + "\n")
	}
	if err := p.WriteReport(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// readDir reads every regular file under dir, by path relative to dir.
func readDir(t *testing.T, dir string) map[string][]byte {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		content, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = content
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return files
}

func writeGolden(t *testing.T, dir string, write map[string][]byte, report []byte) {
	want := filepath.Join(dir, "want")
	if err := os.RemoveAll(want); err != nil {
		t.Fatal(err)
	}
	for name, content := range write {
		path := filepath.Join(want, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "report.txt"), report, 0o644); err != nil {
		t.Fatal(err)
	}
}

func compareGolden(t *testing.T, dir string, write map[string][]byte, report []byte) {
	want := readDir(t, filepath.Join(dir, "want"))
	for _, name := range sortedKeys(want) {
		if _, ok := write[name]; !ok {
			t.Errorf("%s is in want/ but the plan does not write it (run go test -update)", name)
		}
	}
	for _, name := range sortedKeys(write) {
		if w, ok := want[name]; !ok || !bytes.Equal(write[name], w) {
			t.Errorf("%s differs from want/%s (run go test -update and review the diff):\n%s", name, name, firstDiff(w, write[name]))
		}
	}
	wantReport, err := os.ReadFile(filepath.Join(dir, "report.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(report, wantReport) {
		t.Errorf("report differs from report.txt (run go test -update and review the diff):\n got:\n%s\nwant:\n%s", report, wantReport)
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(want, got []byte) string {
	w, g := strings.SplitAfter(string(want), "\n"), strings.SplitAfter(string(got), "\n")
	for i := 0; i < len(w) || i < len(g); i++ {
		if i >= len(w) || i >= len(g) || w[i] != g[i] {
			return fmt.Sprintf("line %d:\n got %q\nwant %q", i+1, at(g, i), at(w, i))
		}
	}
	return "(same lines)"
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return "(end of file)"
}
