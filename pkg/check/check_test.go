package check

import (
	"context"
	"errors"
	"github.com/gobarman/barman/pkg/server"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/postgres"
)

func loadServer(t *testing.T, extra string) (*config.Config, *server.Server) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "/home\n[main]\nconninfo = host=pg\n" + extra
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, cfg.Server("main"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg, srv
}

func healthy() *postgres.Status {
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	return &postgres.Status{SystemID: "42", WalLevel: "replica", ArchiveMode: "on",
		ArchiveCommand: "cp %p /x/%f", IsSuperuser: true, LastArchivedWAL: "000000010000000000000003",
		LastArchivedTime: &at}
}

func results(t *testing.T, in Input) map[string]Result {
	t.Helper()
	m := map[string]Result{}
	for _, r := range Run(context.Background(), in) {
		if _, dup := m[r.Name]; dup {
			t.Errorf("check %q twice", r.Name)
		}
		m[r.Name] = r
	}
	return m
}

func TestChecks(t *testing.T) {
	before := time.Date(2026, 11, 25, 11, 0, 0, 0, time.UTC)
	after := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
	wals := map[string]bool{"000000010000000000000003": true}
	cases := []struct {
		name   string
		extra  string
		status func(*postgres.Status) *postgres.Status
		cat    *Catalogue
		check  string
		ok     bool
		hint   string
	}{
		{"all fine", "", nil, &Catalogue{WALs: wals}, "continuous archiving", true, ""},
		{"no wal yet", "", nil, &Catalogue{}, "continuous archiving", false, "no WAL has arrived"},
		{"wal elsewhere", "", nil, &Catalogue{WALs: map[string]bool{"000000010000000000000002": true}}, "continuous archiving", false, "sends WAL elsewhere"},
		{"archiver failing", "", func(s *postgres.Status) *postgres.Status {
			s.LastFailedTime, s.LastFailedWAL = &after, "000000010000000000000004"
			return s
		}, &Catalogue{WALs: wals}, "continuous archiving", false, "could not archive 000000010000000000000004"},
		{"old failure", "", func(s *postgres.Status) *postgres.Status {
			s.LastFailedTime = &before
			return s
		}, &Catalogue{WALs: wals}, "continuous archiving", true, ""},
		{"archive_mode off", "", func(s *postgres.Status) *postgres.Status { s.ArchiveMode = "off"; return s }, &Catalogue{WALs: wals}, "archive_mode", false, "archive_mode is 'off'"},
		{"archive_command unset", "", func(s *postgres.Status) *postgres.Status { s.ArchiveCommand = "(disabled)"; return s }, &Catalogue{WALs: wals}, "archive_command", false, "please set archive_command"},
		{"wal_level minimal", "", func(s *postgres.Status) *postgres.Status { s.WalLevel = "minimal"; return s }, nil, "wal_level", false, "higher level"},
		{"no privileges", "", func(s *postgres.Status) *postgres.Status { s.IsSuperuser = false; return s }, nil, "superuser or standard user with backup privileges", false, "pg_backup_start"},
		{"backup privileges", "", func(s *postgres.Status) *postgres.Status { s.IsSuperuser, s.HasBackupPrivs = false, true; return s }, nil, "superuser or standard user with backup privileges", true, ""},
		{"systemid stored differs", "", nil, &Catalogue{SystemID: "41", SystemIDFrom: "/h/main/identity.json"}, "systemid coherence", false, "42 differs from 41 recorded in /h/main/identity.json"},
		{"systemid of a backup differs", "", nil, &Catalogue{Backups: []Backup{{ID: "20261125T100000", SystemID: "7"}}}, "systemid coherence", false, "recorded by backup 20261125T100000"},
		{"systemid none", "", nil, &Catalogue{}, "systemid coherence", true, "no system Id stored on disk"},
		{"redundancy not met", "minimum_redundancy = 2\n", nil, &Catalogue{Backups: []Backup{{ID: "a", Status: "DONE"}, {ID: "b", Status: "FAILED"}}}, "minimum redundancy requirements", false, "have 1 backups, expected at least 2"},
		{"redundancy met", "minimum_redundancy = 1\n", nil, &Catalogue{Backups: []Backup{{ID: "a", Status: "DONE"}}}, "minimum redundancy requirements", true, "have 1 backups, expected at least 1"},
		{"failed backups", "", nil, &Catalogue{Backups: []Backup{{ID: "b", Status: "FAILED"}}}, "failed backups", false, "there are 1 failed backups"},
		{"archiver errors", "", nil, &Catalogue{WALs: wals, Errors: map[string]int{"duplicate": 1, "unknown": 2}}, "archiver errors", false, "duplicate: 1, unknown: 2"},
		{"backup too old", "last_backup_maximum_age = 1 HOURS\n", nil, &Catalogue{Backups: []Backup{{ID: "a", Status: "DONE", EndTime: before}}}, "backup maximum age", false, "latest backup age: 2h0m0s"},
		{"unimplemented option", "worm_mode = on\n", nil, nil, "configuration", false, "not implemented yet by this barman: worm_mode"},
		{"custom compression", "compression = custom\ncustom_compression_filter = gzip -c\ncustom_decompression_filter = gzip -dc\n", nil, nil, "compression settings", true, ""},
		{"custom without decompression filter", "compression = custom\ncustom_compression_filter = gzip -c\n", nil, nil, "compression settings", false, "custom_decompression_filter setting"},
		{"custom without compression filter", "compression = custom\ncustom_decompression_filter = gzip -dc\n", nil, nil, "compression settings", false, "custom_compression_filter setting"},
		{"gzip needs no filter", "compression = gzip\n", nil, nil, "compression settings", true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, srv := loadServer(t, c.extra)
			st := healthy()
			if c.status != nil {
				st = c.status(st)
			}
			now := time.Date(2026, 11, 25, 13, 0, 0, 0, time.UTC)
			got := results(t, Input{Config: cfg, Server: srv, Status: st, Catalogue: c.cat, Now: func() time.Time { return now }})
			r, ok := got[c.check]
			if !ok {
				t.Fatalf("no %q check", c.check)
			}
			if r.OK != c.ok || !strings.Contains(r.Hint, c.hint) {
				t.Errorf("%s = %s (%s), want ok=%v hint containing %q", c.check, r.Status(), r.Hint, c.ok, c.hint)
			}
		})
	}
}

func TestNoConnectionHidesSettingChecks(t *testing.T) {
	cfg, srv := loadServer(t, "")
	got := results(t, Input{Config: cfg, Server: srv, ConnErr: errors.New("dial tcp 127.0.0.1:1: connect: connection refused")})
	if r := got["PostgreSQL"]; r.OK || !strings.Contains(r.Hint, "check host and port") {
		t.Errorf("PostgreSQL = %+v", r)
	}
	for _, name := range []string{"wal_level", "archive_mode", "continuous archiving"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s checked without a connection", name)
		}
	}
	if !got["directories"].OK {
		t.Errorf("directories: %+v", got["directories"])
	}
	if !Failed(Run(context.Background(), Input{Config: cfg, Server: srv}), true) {
		t.Error("a failed connection must block a backup")
	}
}

func TestDirectoriesNotWritable(t *testing.T) {
	cfg, srv := loadServer(t, "")
	// A file where a directory should be: fails even for root.
	home := cfg.Global.Get("barman_home")
	os.WriteFile(home, []byte("x"), 0o600)
	got := results(t, Input{Config: cfg, Server: srv, Status: healthy()})
	if r := got["directories"]; r.OK || !strings.Contains(r.Hint, "not a directory") {
		t.Errorf("directories = %+v", r)
	}
}
