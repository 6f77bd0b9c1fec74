package removal

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/server"
)

// sample is a copy of the catalogue Debian's Barman 3.4 wrote (server pg:
// 20261125T152849 kept by an annotation, then 20261125T152856), with a
// delete hook that logs its calls.
func sample(t *testing.T) (*Remover, *report.Recorder, string) {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	src := "../catalog/testdata/barman34/pg"
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		dst := filepath.Join(home, "pg", rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	hookLog := filepath.Join(dir, "hooks.log")
	conf := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + home + "\n[pg]\nconninfo = host=127.0.0.1 port=1\nbackup_method = postgres\n" +
		"post_delete_script = echo $BARMAN_BACKUP_ID $BARMAN_STATUS >> " + hookLog + "\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(conf)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg, cfg.Server("pg"))
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var rec report.Recorder
	return New(s, &hooks.Runner{Scripts: s.Section, Server: s.Name, Log: log}, &rec, log), &rec, hookLog
}

func said(rec *report.Recorder, level, text string) bool {
	for _, m := range rec.Messages {
		if m.Level == level && strings.Contains(m.Text, text) {
			return true
		}
	}
	return false
}

func TestRemove(t *testing.T) {
	r, rec, hookLog := sample(t)
	ctx := context.Background()
	if n := r.Remove(ctx, []string{"20261125T152849"}); n != 0 {
		t.Fatalf("removed %d backups kept by an annotation", n)
	}
	if !said(rec, "warning", "keep") {
		t.Errorf("no warning about the keep annotation: %+v", rec.Messages)
	}
	if n := r.Remove(ctx, []string{"20261125T152856"}); n != 1 {
		t.Fatalf("removed %d, want 1: %+v", n, rec.Messages)
	}
	if _, err := os.Stat(r.s.Layout.BackupPath("20261125T152856")); !os.IsNotExist(err) {
		t.Errorf("backup directory still there: %v", err)
	}
	if !said(rec, "info", "Deleted backup 20261125T152856") {
		t.Errorf("messages: %+v", rec.Messages)
	}
	if hooks, _ := os.ReadFile(hookLog); string(hooks) != "20261125T152856 DONE\n" {
		t.Errorf("post delete hook calls %q", hooks)
	}
	// The older backup still needs every WAL file: xlog.db keeps them.
	if entries, _ := r.s.Layout.ReadXlogDB(); len(entries) != 11 {
		t.Errorf("xlog.db has %d lines, want the 11 of the sample", len(entries))
	}
}

// PurgeBefore removes the WAL files archived before a backup's first
// segment, history files excepted.
func TestPurgeBefore(t *testing.T) {
	r, _, _ := sample(t)
	cat, err := r.s.Layout.ReadBackupInfo("20261125T152856")
	if err != nil {
		t.Fatal(err)
	}
	names, err := r.PurgeBefore(context.Background(), cat)
	if err != nil {
		t.Fatal(err)
	}
	want := "000000010000000000000006 000000010000000000000006.00000028.backup 000000010000000000000007 000000010000000000000008 000000010000000000000009 00000001000000000000000A"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("purged %s\nwant   %s", got, want)
	}
	entries, _ := r.s.Layout.ReadXlogDB()
	for _, e := range entries {
		if strings.Contains(want, e.Name) {
			t.Errorf("%s still in xlog.db", e.Name)
		}
	}
	if len(entries) != 5 {
		t.Errorf("xlog.db has %d lines, want 5", len(entries))
	}
}
