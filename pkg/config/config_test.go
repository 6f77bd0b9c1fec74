package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const guideConf = `[barman]
; Main directory
barman_home = /var/lib/barman

; System user
barman_user = barman

; Log location
log_file = /var/log/barman/barman.log

compression = gzip

;pre_backup_script = env | grep ^BARMAN

; 'main' PostgreSQL Server configuration
[main]
; Human readable description
description =  "Main PostgreSQL Database"

; SSH options
ssh_command = ssh postgres@pg

; PostgreSQL connection string
conninfo = host=pg user=postgres
`

func writeConf(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "barman.conf")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGuideConfiguration(t *testing.T) {
	cfg, err := Load(writeConf(t, guideConf))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.ServerNames(); len(got) != 1 || got[0] != "main" {
		t.Fatalf("servers = %v", got)
	}
	s := cfg.Server("main")
	want := map[string]string{
		"description":             "Main PostgreSQL Database",
		"ssh_command":             "ssh postgres@pg",
		"conninfo":                "host=pg user=postgres",
		"backup_directory":        "/var/lib/barman/main",
		"incoming_wals_directory": "/var/lib/barman/main/incoming",
		"wals_directory":          "/var/lib/barman/main/wals",
		"basebackups_directory":   "/var/lib/barman/main/base",
		"compression":             "gzip",
		"minimum_redundancy":      "0",
		"backup_method":           "rsync",
	}
	for k, v := range want {
		if got := s.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if from := s.Values["compression"].From; from != "global" {
		t.Errorf("compression from %q, want global", from)
	}
	if p := s.Values["conninfo"].Pos; p.Line != 24 {
		t.Errorf("conninfo line = %d, want 24", p.Line)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("unexpected warnings %v", cfg.Warnings)
	}
	if got := cfg.Unimplemented(s); len(got) != 0 {
		t.Errorf("unimplemented = %v, want none", got)
	}
	cfg, err = Load(writeConf(t, guideConf+"primary_ssh_command = ssh primary\npre_delete_script = true\nstaging_path = /tmp\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Unimplemented(cfg.Server("main")); strings.Join(got, ",") != "primary_ssh_command,staging_path" {
		t.Errorf("unimplemented = %v, want [primary_ssh_command staging_path]", got)
	}
}

// TestStreamingOptionsImplemented: a Barman 3.4 streaming configuration
// (slot name in capitals, which Barman lower-cases) loads and has nothing
// unimplemented.
func TestStreamingOptionsImplemented(t *testing.T) {
	conf := guideConf + "archiver = off\nstreaming_archiver = on\nslot_name = Barman\ncreate_slot = auto\n" +
		"streaming_archiver_name = bm\nstreaming_archiver_batch_size = 10\nstreaming_conninfo = host=pg user=s\n" +
		"wal_streaming_conninfo = host=wal user=s\nwal_conninfo = host=wal\nstreaming_wals_directory = /srv/streaming\n"
	cfg, err := Load(writeConf(t, conf))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Unimplemented(cfg.Server("main")); len(got) != 0 {
		t.Errorf("unimplemented = %v, want none", got)
	}
	if _, err := Load(writeConf(t, guideConf+"slot_name = bar-man\n")); err == nil || !strings.Contains(err.Error(), "not a valid replication slot name") {
		t.Errorf("slot_name = bar-man: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name, conf string
		want       []string // substrings of the error
	}{
		{"bad compression", "[barman]\nbarman_home = /b\n[main]\nconninfo = x\ncompression = gzp\n",
			[]string{"barman.conf:5", "[main] compression", `"gzp"`, "accepted: gzip, bzip2"}},
		{"relative home", "[barman]\nbarman_home = var/lib/barman\n",
			[]string{"barman.conf:2", "barman_home", "not an absolute path"}},
		{"non numeric redundancy", "[barman]\nbarman_home = /b\nminimum_redundancy = two\n",
			[]string{"barman.conf:3", "minimum_redundancy", "non-negative integer"}},
		{"broken line", "[barman]\nbarman_home = /b\nthis is not ini\n",
			[]string{"barman.conf:3", "not `key = value`"}},
		{"option before section", "barman_home = /b\n[barman]\n",
			[]string{"barman.conf:1", "outside any section"}},
		{"missing home", "[barman]\nbarman_user = x\n",
			[]string{"barman_home is not set"}},
		{"no barman section", "[main]\nconninfo = x\n",
			[]string{"no [barman] section"}},
		{"reserved name", "[barman]\nbarman_home = /b\n[all]\nconninfo = x\n",
			[]string{`"all" is reserved`}},
		{"shared directory", "[barman]\nbarman_home = /b\n[a]\nconninfo = x\nwals_directory = /w\n[b]\nconninfo = y\nwals_directory = /w\n",
			[]string{"barman.conf:8", `also used by server "a"`}},
		{"bad interpolation", "[barman]\nbarman_home = /b\n[a]\ndescription = 100% sure\n",
			[]string{"barman.conf:4", "write %% for a literal %"}},
		{"unknown reference", "[barman]\nbarman_home = /b\n[a]\ndescription = %(nope)s\n",
			[]string{"barman.conf:4", "refers to no option"}},
		{"bad retention", "[barman]\nbarman_home = /b\nretention_policy = REDUNDANCY two\n",
			[]string{"barman.conf:3", "REDUNDANCY n"}},
		{"bad ssh quote", "[barman]\nbarman_home = /b\n[a]\nssh_command = ssh 'postgres@pg\n",
			[]string{"barman.conf:4", "check the quotes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(writeConf(t, c.conf))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *Error", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestInterpolationErrorHidesValue: a % in a conninfo's password is an
// interpolation error that names the option and the byte, not the value.
func TestInterpolationErrorHidesValue(t *testing.T) {
	cases := []struct{ name, conninfo, want string }{
		{"bad %", "host=pg password=50%off", "bad % at byte 20 of the value"},
		{"bad reference", "host=pg password=a%(b", "bad interpolation at byte 19 of the value"},
		{"unknown reference", "host=pg password=a%(nope)sb", "%(nope)s at byte 19 of the value refers to no option"},
		{"in a reference", "host=pg password=%(description)s", "in %(description)s: bad % at byte 3 of the value"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Load(writeConf(t, "[barman]\nbarman_home = /b\n[a]\ndescription = 50%off\nconninfo = "+c.conninfo+"\n"))
			if err == nil || !strings.Contains(err.Error(), "barman.conf:5: [a] conninfo: "+c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if strings.Contains(err.Error(), "password=") {
				t.Errorf("the error shows the conninfo: %v", err)
			}
		})
	}
}

func TestWarningsAndInheritance(t *testing.T) {
	conf := `[barman]
barman_home = /srv/barman
compression = gzip
conninfo = ignored
minimum_redundancy = 2

[main]
description = "100%% %(name)s"
conninfo = host=pg
compresion = bzip2
compression = None
barman_user = x
wals_directory = %(barman_home)s/w/%(name)s
`
	cfg, err := Load(writeConf(t, conf))
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Server("main")
	if s.IsSet("compression") {
		t.Errorf("None must block inheritance, got %q", s.Get("compression"))
	}
	if got := s.Get("minimum_redundancy"); got != "2" {
		t.Errorf("minimum_redundancy = %q, want inherited 2", got)
	}
	if got := s.Get("description"); got != "100% main" {
		t.Errorf("description = %q", got)
	}
	if got := s.Get("wals_directory"); got != "/srv/barman/w/main" {
		t.Errorf("wals_directory = %q", got)
	}
	var msgs []string
	for _, w := range cfg.Warnings {
		msgs = append(msgs, w.String())
	}
	all := strings.Join(msgs, "\n")
	for _, w := range []string{"barman.conf:4: [barman] conninfo", "barman.conf:10: [main] compresion: invalid configuration option", "barman.conf:12: [main] barman_user"} {
		if !strings.Contains(all, w) {
			t.Errorf("warnings lack %q:\n%s", w, all)
		}
	}
}

func TestIncludedFiles(t *testing.T) {
	dir := t.TempDir()
	inc := filepath.Join(dir, "barman.d")
	os.Mkdir(inc, 0o755)
	os.WriteFile(filepath.Join(inc, "b.conf"), []byte("[beta]\nconninfo = host=b\n"), 0o600)
	os.WriteFile(filepath.Join(inc, "a.conf"), []byte("[alpha]\nconninfo = host=a\ndescription = multi\n  line\n"), 0o600)
	os.WriteFile(filepath.Join(inc, "skip.txt"), []byte("[gamma]\n"), 0o600)
	main := filepath.Join(dir, "barman.conf")
	os.WriteFile(main, []byte("[barman]\nbarman_home = /b\nconfiguration_files_directory = "+inc+"\n"), 0o600)
	cfg, err := Load(main)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.ServerNames(), ","); got != "alpha,beta" {
		t.Fatalf("servers %s", got)
	}
	if got := cfg.Server("alpha").Get("description"); got != "multi\nline" {
		t.Errorf("multi-line description = %q", got)
	}
	if p := cfg.Server("beta").Values["conninfo"].Pos.String(); p != filepath.Join(inc, "b.conf")+":2" {
		t.Errorf("pos = %s", p)
	}
	os.WriteFile(filepath.Join(inc, "c.conf"), []byte("[barman]\nbarman_home = /x\n"), 0o600)
	if _, err := Load(main); err == nil || !strings.Contains(err.Error(), "c.conf:1") {
		t.Errorf("[barman] in included file: err = %v", err)
	}
}

func TestFind(t *testing.T) {
	env := map[string]string{"HOME": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	if got, _ := Find("/x.conf", getenv); got != "/x.conf" {
		t.Errorf("explicit: %s", got)
	}
	home := filepath.Join(env["HOME"], ".barman.conf")
	os.WriteFile(home, []byte("[barman]\n"), 0o600)
	if got, _ := Find("", getenv); got != home {
		t.Errorf("home: %s", got)
	}
	env["BARMAN_CONFIG_FILE"] = "/env.conf"
	if got, _ := Find("", getenv); got != "/env.conf" {
		t.Errorf("env: %s", got)
	}
}

func TestRetentionAndSizes(t *testing.T) {
	for in, want := range map[string]string{"redundancy 3": "REDUNDANCY 3", "RECOVERY WINDOW OF 4 weeks": "RECOVERY WINDOW OF 4 WEEKS", "recovery window of 1 day": "RECOVERY WINDOW OF 1 DAYS"} {
		p, err := ParseRetentionPolicy(in)
		if err != nil || p.Text != want {
			t.Errorf("%q: %v %v", in, p, err)
		}
	}
	for in, want := range map[string]int64{"10": 10, "1k": 1000, "2Mi": 2 << 20, "1 Gi": 1 << 30} {
		if n, err := ParseSize(in); err != nil || n != want {
			t.Errorf("%q: %d %v", in, n, err)
		}
	}
	if _, err := ParseSize("1KB"); err == nil {
		t.Error("1KB accepted")
	}
}

func FuzzLoad(f *testing.F) {
	f.Add(guideConf)
	f.Add("[barman]\nbarman_home=/b\n[s]\nx = %(y)s\n  cont\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		p := filepath.Join(dir, "f.conf")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(p)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error without problems: %v", err)
			}
			return
		}
		if !cfg.Global.IsSet("barman_home") {
			t.Fatal("loaded without barman_home")
		}
	})
}
