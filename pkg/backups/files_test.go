package backups

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Files come as Python's os.walk gives them: a directory's files sorted,
// then its subdirectories in name order; links to directories are skipped,
// other links (broken ones too) are files.
func TestWalkFiles(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"backup.info", "data/PG_VERSION", "data/base/1/112", "data/base/1/12",
		"data/global/pg_control", "16384/PG_15/5/16385", "annotations/keep", "data/zz"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(dir, p), nil, 0o644)
	}
	os.MkdirAll(filepath.Join(dir, "data", "pg_tblspc"), 0o755)
	os.Symlink(filepath.Join(dir, "16384"), filepath.Join(dir, "data", "pg_tblspc", "16384"))
	os.Symlink("/nonexistent", filepath.Join(dir, "data", "pg_tblspc", "99"))
	os.Symlink(filepath.Join(dir, "backup.info"), filepath.Join(dir, "data", "link"))
	got, err := walkFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = strings.TrimPrefix(got[i], dir+"/")
	}
	want := []string{"backup.info", "16384/PG_15/5/16385", "annotations/keep", "data/PG_VERSION", "data/link", "data/zz",
		"data/base/1/112", "data/base/1/12", "data/global/pg_control", "data/pg_tblspc/99"}
	if !slices.Equal(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, err := walkFiles(filepath.Join(dir, "missing")); err != nil || got != nil {
		t.Errorf("missing directory: %v, %v", got, err)
	}
}

func TestSampleFiles(t *testing.T) {
	c, entries := loadSample(t, "pg")
	b := c.Get("20261125T152849")
	wals := func(ns ...string) []string {
		var out []string
		for _, n := range ns {
			out = append(out, c.Layout.WALPath(n))
		}
		return out
	}
	data := []string{c.Layout.BackupInfoPath(b.ID), c.KeepPath(b.ID)}
	until := wals("000000010000000000000006", "000000010000000000000007", "000000010000000000000008", "000000010000000000000009",
		"00000001000000000000000A", "00000001000000000000000B", "00000002.history")
	for target, want := range map[string][]string{
		TargetData:       data,
		TargetStandalone: append(slices.Clone(data), wals("000000010000000000000006", "000000010000000000000007")...),
		TargetWAL:        until,
		TargetFull:       append(slices.Clone(data), until...),
	} {
		got, err := c.Files(b, target, entries)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s: %v\n got %q\nwant %q", target, err, got, want)
		}
	}
	if _, err := c.Files(b, "everything", entries); err == nil {
		t.Error("unknown target accepted")
	}
}
