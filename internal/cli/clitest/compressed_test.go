package clitest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
)

// TestCompressedBackup: backup_compression (postgres method) stores
// data/base.tar.<ext> and data/<oid>.tar.<ext> as Barman does, readable by
// the system tar and compressors; verify-backup checks every file inside;
// the backup recovers, locally and through SSH, to exactly the rows at
// the target; a damaged archive is named.
func TestCompressedBackup(t *testing.T) {
	t.Parallel() // with the other long tests: the suite leaves a core idle half the time
	h := newHistory(t, "backup_method = postgres\ncompression = gzip\nimmediate_checkpoint = true\nbackup_compression = zstd")
	l := catalog.NewLayout(h.s.home, "main", catalog.Dirs{})
	oid := checkArchives(t, h, l, h.id, ".tar.zst", "zstd")

	t.Run("recover to a time", func(t *testing.T) {
		rows, out, pg := h.recoverAndStart(t, "--target-time", h.time, "--target-action", "promote")
		if rows != h.upTo("before_time") {
			t.Errorf("rows after recovery: %s, want %s\n%s", rows, h.upTo("before_time"), out)
		}
		amcheck := pg.Command(pgtest.Bin("pg_amcheck"), "--install-missing", "--all", "--heapallindexed")
		if b, err := amcheck.CombinedOutput(); err != nil {
			t.Errorf("pg_amcheck on the recovered server: %v\n%s", err, b)
		}
		pg.Stop(t)
	})
	t.Run("remote", func(t *testing.T) { h.recoverRemote(t) })
	t.Run("barman 3.4 lists it", func(t *testing.T) {
		bs, _ := l.ListBackups()
		barman34ListsDone(t, h.s, h.pg, bs)
	})
	t.Run("barman 3.4 recovers it", func(t *testing.T) {
		conf := h.barman34Conf(t, "recovery_staging_path = "+pgtest.TempDir(t))
		dest := filepath.Join(pgtest.TempDir(t), "pgdata")
		tbs := filepath.Join(pgtest.TempDir(t), "tbs1")
		cmd := exec.Command("/usr/bin/barman", "-c", conf, "recover", "--tablespace", "tbs1:"+tbs,
			"--target-time", h.time, "--target-action", "promote", "main", h.id, dest)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("Barman 3.4 recover of our zstd backup: %v\n%s", err, b)
		}
		pgtest.ChownToOSUser(t, dest, tbs)
		pg := pgtest.StartExisting(t, dest, pgtest.Options{})
		waitPromoted(t, pg)
		if rows := pg.SQL(t, "SELECT coalesce(string_agg(tag, ',' ORDER BY at), '') FROM marks"); rows != h.upTo("before_time") {
			t.Errorf("rows after Barman 3.4 recovered our backup: %s, want %s", rows, h.upTo("before_time"))
		}
		pg.Stop(t)
	})

	// The other algorithms and where they run (recovering reads every
	// archive alike: two of them are recovered to the end).
	for _, tc := range []struct {
		name, conf, ext, tool string
		recover               bool
	}{
		{"gzip level 1", "backup_compression = gzip\nbackup_compression_level = 1", ".tar.gz", "gzip", false},
		{"lz4 by the server", "backup_compression = lz4\nbackup_compression_location = server", ".tar.lz4", "lz4", true},
		{"zstd by the server, 2 workers", "backup_compression = zstd\nbackup_compression_location = server\nbackup_compression_workers = 2", ".tar.zst", "zstd", false},
		{"none", "backup_compression = none", ".tar", "", false},
		{"server zstd, plain format", "backup_compression = zstd\nbackup_compression_location = server\nbackup_compression_format = plain", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setOptions(t, h.s.conf, tc.conf)
			h.pg.SQL(t, "ALTER SYSTEM SET log_replication_commands = on")
			h.pg.SQL(t, "SELECT pg_reload_conf()")
			// The reload is asynchronous: wait until new sessions see it.
			for i := 0; i < 50 && h.pg.SQL(t, "SHOW log_replication_commands") != "on"; i++ {
				time.Sleep(100 * time.Millisecond)
			}
			out, errOut, code := run(t, "barman", "-c", h.s.conf, "backup", "--wait", "--wait-timeout", "60", "main")
			if code != 0 {
				t.Fatalf("backup exit %d:\n%s%s", code, out, errOut)
			}
			bs, _ := l.ListBackups()
			id := bs[len(bs)-1].ID
			if tc.ext == "" {
				// Compressed on the wire only: a plain copy.
				if _, err := os.Stat(filepath.Join(l.BackupPath(id), "data", "global", "pg_control")); err != nil {
					t.Errorf("plain format: %v", err)
				}
				if c := bs[len(bs)-1].Compression(); c != "" {
					t.Errorf("plain format: backup.info compression = %q", c)
				}
			} else {
				checkArchives(t, h, l, id, tc.ext, tc.tool)
			}
			if tc.name == "lz4 by the server" {
				if log, _ := os.ReadFile(h.pg.LogFile); !strings.Contains(string(log), "COMPRESSION 'lz4'") {
					t.Errorf("BASE_BACKUP was not asked to compress:\n%s", tail(h.pg.LogFile))
				}
			}
			if !tc.recover {
				return
			}
			saved := h.id
			h.id = id
			defer func() { h.id = saved }()
			rows, out, pg := h.recoverAndStart(t)
			if rows != h.upTo("end") {
				t.Errorf("rows after recovery: %s, want %s\n%s", rows, h.upTo("end"), out)
			}
			pg.Stop(t)
		})
	}

	t.Run("barman 3.4's gzip backup", func(t *testing.T) {
		h.barman34BackupWith(t, "backup_compression = gzip", "after_barman34_gzip")
		bs, _ := l.ListBackups()
		if _, err := os.Stat(filepath.Join(l.BackupPath(bs[len(bs)-1].ID), "data", "base.tar.gz")); err != nil {
			t.Errorf("Barman 3.4's backup is not compressed: %v", err)
		}
	})

	t.Run("bad settings", func(t *testing.T) {
		for _, tc := range []struct{ conf, want string }{
			{"backup_compression = gzip\nbackup_compression_level = 12", "backup_compression_level 12 unsupported by compression gzip"},
			{"backup_compression = zstd\nbackup_compression_format = plain", "backup_compression_format plain is not compatible"},
			{"backup_compression = zstd\nbackup_method = rsync\nssh_command = ssh nowhere", "works only with backup_method = postgres"},
		} {
			setOptions(t, h.s.conf, tc.conf)
			out, errOut, code := run(t, "barman", "-c", h.s.conf, "backup", "main")
			if code == 0 || !strings.Contains(out+errOut, tc.want) {
				t.Errorf("%q: exit %d, want an error saying %q:\n%s%s", tc.conf, code, tc.want, out, errOut)
			}
			out, _, _ = run(t, "barman", "-c", h.s.conf, "check", "main")
			if !strings.Contains(out, "backup compression settings: FAILED") {
				t.Errorf("check does not flag %q:\n%s", tc.conf, out)
			}
		}
		setOptions(t, h.s.conf, "backup_compression = zstd")
	})

	t.Run("damaged archive", func(t *testing.T) {
		p := filepath.Join(l.BackupPath(h.id), "data", oid+".tar.zst")
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(p, orig, 0o600)
		bad := append([]byte(nil), orig...)
		for i := len(bad) / 2; i < len(bad)/2+64; i++ {
			bad[i] ^= 0x55
		}
		os.WriteFile(p, bad, 0o600)
		out, errOut, code := run(t, "barman", "-c", h.s.conf, "verify-backup", "main", h.id)
		if code == 0 || !strings.Contains(out+errOut, oid+".tar.zst") {
			t.Errorf("verify-backup of a damaged archive: exit %d, want the archive named:\n%s%s", code, out, errOut)
		}
		dest := filepath.Join(pgtest.TempDir(t), "d")
		out, errOut, code = run(t, "barman", "-c", h.s.conf, "recover", "--tablespace", "tbs1:"+filepath.Join(pgtest.TempDir(t), "t"), "main", h.id, dest)
		if code == 0 || !strings.Contains(errOut, oid+".tar.zst") {
			t.Errorf("recover from a damaged archive: exit %d, want the archive named:\n%s%s", code, out, errOut)
		}
	})
}

// checkArchives checks a compressed backup's files: the archives and
// PostgreSQL's manifest in data/, nothing else; backup.info's compression;
// the system tar reads them; verify-backup passes. It returns the
// tablespace's OID.
func checkArchives(t *testing.T, h *history, l *catalog.Layout, id, ext, tool string) string {
	t.Helper()
	b, err := l.ReadBackupInfo(id)
	if err != nil {
		t.Fatal(err)
	}
	if b.Status() != catalog.StatusDone || len(b.Tablespaces()) != 1 {
		t.Fatalf("backup %s:\n%s", id, b.Marshal())
	}
	if want := map[string]string{".tar.zst": "zstd", ".tar.gz": "gzip", ".tar.lz4": "lz4", ".tar": "none"}[ext]; b.Compression() != want {
		t.Errorf("backup.info compression = %q, want %q", b.Compression(), want)
	}
	oid := strconv.FormatUint(uint64(b.Tablespaces()[0].OID), 10)
	dataDir := filepath.Join(l.BackupPath(id), "data")
	ents, _ := os.ReadDir(dataDir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	want := []string{oid + ext, "backup_manifest", "base" + ext}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("data/ holds %v, want %v", names, want)
	}
	args := []string{"-tf", filepath.Join(dataDir, "base"+ext)}
	if tool != "" {
		pgtest.Require(t, tool, tool)
		args = append([]string{"-I", tool}, args...)
	}
	list, err := exec.Command("tar", args...).CombinedOutput()
	if err != nil || !regexp.MustCompile(`(?m)^global/pg_control$`).Match(list) || !regexp.MustCompile(`(?m)^backup_label$`).Match(list) {
		t.Errorf("tar %v: %v\n%.2000s", args, err, list)
	}
	if out, errOut, code := run(t, "barman", "-c", h.s.conf, "verify-backup", "main", id); code != 0 || !strings.Contains(out, "files match the manifest") {
		t.Errorf("verify-backup: exit %d:\n%s%s", code, out, errOut)
	}
	return oid
}

// setOptions replaces (or adds) the given "key = value" lines of the
// [main] section, the last section of the test configuration.
func setOptions(t *testing.T, conf, lines string) {
	t.Helper()
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, line := range strings.Split(lines, "\n") {
		key, _, _ := strings.Cut(line, "=")
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(strings.TrimSpace(key)) + ` *=.*\n`)
		text = re.ReplaceAllString(text, "")
	}
	// A setting of an earlier sub-test not named here goes back to its default.
	for _, key := range []string{"backup_compression_level", "backup_compression_location", "backup_compression_workers", "backup_compression_format"} {
		if !strings.Contains(lines, key) {
			text = regexp.MustCompile(`(?m)^`+key+` *=.*\n`).ReplaceAllString(text, "")
		}
	}
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	if err := os.WriteFile(conf, []byte(text+lines+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}
