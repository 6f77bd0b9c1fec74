package sshcmd

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fakeHome gives the tests a home directory of their own with
// ~/.ssh/id_ed25519 (unencrypted), an empty system ssh_config and no
// agent. It returns the home directory.
func fakeHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, ".ssh"), 0o700)
	keygen(t, filepath.Join(home, ".ssh", "id_ed25519"), "")
	sys := filepath.Join(home, "system_ssh_config")
	os.WriteFile(sys, nil, 0o644)
	oldSys, oldUser := SystemConfig, currentUser
	SystemConfig = sys
	currentUser = func() (*user.User, error) { return &user.User{Username: "barman", HomeDir: home}, nil }
	t.Setenv("SSH_AUTH_SOCK", "")
	t.Cleanup(func() { SystemConfig, currentUser = oldSys, oldUser })
	return home
}

func keygen(t *testing.T, file, passphrase string) {
	t.Helper()
	out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase, "-C", "test", "-f", file).CombinedOutput()
	if err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestUnderstood: which ssh_commands the native client runs, and why it
// leaves the others to OpenSSH.
func TestUnderstood(t *testing.T) {
	home := fakeHome(t)
	enc := filepath.Join(home, "encrypted")
	keygen(t, enc, "secret")
	other := filepath.Join(home, "other_key")
	keygen(t, other, "")
	writeFile(t, filepath.Join(home, "proxy_config"), "Host pg\n  ProxyJump jump\n")
	os.Mkdir(filepath.Join(home, "bin"), 0o755)
	wrapper := filepath.Join(home, "bin", "ssh") // as pgtest.Gate makes
	writeFile(t, wrapper, "#!/bin/sh\nexec \"$@\"\n")
	real, err := exec.LookPath("ssh")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(home, "other_host_config"), "Host backup\n  ProxyJump jump\nHost pg\n  Port 2200\n")
	writeFile(t, filepath.Join(home, "match_config"), "Match host pg\n  Port 2200\n")
	pgtestLike := "ssh -F /dev/null -p 2222 -i " + other + " -o IdentitiesOnly=yes -o StrictHostKeyChecking=no" +
		" -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10 postgres@127.0.0.1"
	for _, tc := range []struct {
		command string
		with    []string // barman's own options (With)
		why     string   // "" for native, else part of the reason
	}{
		{command: "ssh pg"},
		{command: real + " postgres@pg"},
		{command: "ssh -p 2222 -i " + other + " postgres@pg"},
		{command: "ssh -l postgres -o Port=2222 -oUser=bob pg"},
		{command: "ssh -q -T -4 pg"},
		{command: "ssh ssh://postgres@pg:2222"},
		{command: "ssh -F " + filepath.Join(home, "other_host_config") + " pg"},
		{command: pgtestLike},
		{command: "ssh -o Compression=no pg"},
		{command: "ssh -o ServerAliveInterval=15 -o ServerAliveCountMax=2 pg"},
		{command: "ssh -o Compression=maybe pg", why: "Compression maybe"},
		{command: "ssh -C pg", why: "option -C"},
		{command: "ssh -v pg", why: "option -v"},
		{command: "ssh -J jump pg", why: "option -J"},
		{command: "ssh -c aes128-ctr pg", why: "option -c"},
		{command: `ssh -o "ProxyCommand=nc %h %p" pg`, why: "option ProxyCommand is not understood"},
		{command: "ssh -o ControlMaster=auto pg", why: "option ControlMaster is not understood"},
		{command: "ssh -o Foo=bar pg", why: "option Foo is not understood"},
		{command: "ssh -i %d/key pg", why: "% tokens"},
		{command: "ssh pg true", why: "words after the destination"},
		{command: "ssh -p", why: "not a port number"}, // takes barman's -o as its value
		{command: "ssh -p 2222", why: "no destination"},
		{command: "sh -c", why: "sh is not ssh"},
		{command: "/usr/local/bin/myrsh pg", why: "myrsh is not ssh"},
		{command: wrapper + " pg", why: wrapper + " is not the ssh on $PATH"},
		{command: "ssh -i " + enc + " pg", why: "is encrypted and no ssh-agent holds it"},
		{command: "ssh -F " + filepath.Join(home, "proxy_config") + " pg", why: "proxy_config line 2: option ProxyJump is not understood"},
		{command: "ssh -F " + filepath.Join(home, "match_config") + " pg", why: "Match blocks"},
		{command: "ssh -F " + filepath.Join(home, "missing") + " pg", why: "cannot read ssh configuration"},
	} {
		t.Run(tc.command, func(t *testing.T) {
			c, err := Parse(tc.command)
			if err != nil {
				t.Fatal(err)
			}
			_, why := c.With(tc.with...).resolve()
			if tc.why == "" && why != "" {
				t.Errorf("falls back: %s", why)
			}
			if tc.why != "" && !strings.Contains(why, tc.why) {
				t.Errorf("reason %q, want %q", why, tc.why)
			}
		})
	}
}

// TestNoIdentity: without a key file or an agent, OpenSSH runs it.
func TestNoIdentity(t *testing.T) {
	home := fakeHome(t)
	os.Remove(filepath.Join(home, ".ssh", "id_ed25519"))
	c, _ := Parse("ssh pg")
	if _, why := c.resolve(); !strings.Contains(why, "no usable identity file and no ssh-agent") {
		t.Errorf("reason %q", why)
	}
	// A key others can read is ignored, as OpenSSH does.
	keygen(t, filepath.Join(home, ".ssh", "id_ed25519"), "")
	os.Chmod(filepath.Join(home, ".ssh", "id_ed25519"), 0o644)
	c, _ = Parse("ssh pg")
	if _, why := c.resolve(); !strings.Contains(why, "no usable identity file") {
		t.Errorf("reason %q", why)
	}
}

// TestConfig: Host blocks of ~/.ssh/config and the system file (patterns,
// negation, Include), the first value winning, the command line first.
func TestConfig(t *testing.T) {
	home := fakeHome(t)
	key := filepath.Join(home, "pg_key")
	keygen(t, key, "")
	os.MkdirAll(filepath.Join(home, ".ssh", "conf.d"), 0o700)
	writeFile(t, filepath.Join(home, ".ssh", "config"), `# user configuration
Include conf.d/*.conf
Host pg pg-*
    HostName %h.example.org
    User postgres
    IdentityFile `+key+`
Host *.test !bad.test
    Port 2201
Host bad.test
    ProxyCommand nc %h %p
Host *
    ConnectTimeout=7
    UserKnownHostsFile ~/.ssh/hosts1 ~/.ssh/hosts2
    Port 2299
`)
	writeFile(t, filepath.Join(home, ".ssh", "conf.d", "a.conf"), "Host pg\n  Port 2202\n")
	writeFile(t, SystemConfig, "Host *\n    SendEnv LANG LC_*\n    HashKnownHosts yes\n    GSSAPIAuthentication yes\n    Port 2300\n")
	for _, tc := range []struct {
		command, host, user string
		port                int
	}{
		{"ssh pg", "pg.example.org", "postgres", 2202},
		{"ssh -p 22 pg", "pg.example.org", "postgres", 22},
		{"ssh bob@pg-2", "pg-2.example.org", "bob", 2299},
		{"ssh -o User=carol -l dave pg", "pg.example.org", "carol", 2202},
		{"ssh a.test", "a.test", "barman", 2201},
		{"ssh other", "other", "barman", 2299},
	} {
		c, _ := Parse(tc.command)
		tg, why := c.resolve()
		if why != "" {
			t.Errorf("%s: falls back: %s", tc.command, why)
			continue
		}
		if tg.host != tc.host || tg.user != tc.user || tg.port != tc.port {
			t.Errorf("%s: %s@%s:%d, want %s@%s:%d", tc.command, tg.user, tg.host, tg.port, tc.user, tc.host, tc.port)
		}
		if tc.command == "ssh pg" {
			if len(tg.signers) != 1 || tg.connectTimeout.Seconds() != 7 || !tg.hashKnownHosts {
				t.Errorf("pg: %d keys, timeout %v, hash %v", len(tg.signers), tg.connectTimeout, tg.hashKnownHosts)
			}
			want := []string{filepath.Join(home, ".ssh", "hosts1"), filepath.Join(home, ".ssh", "hosts2")}
			if !reflect.DeepEqual(tg.knownHosts, want) {
				t.Errorf("known hosts files %q", tg.knownHosts)
			}
		}
	}
	// The block of bad.test has what the native client does not know.
	c, _ := Parse("ssh bad.test")
	if _, why := c.resolve(); !strings.Contains(why, "config line 10: option ProxyCommand is not understood") {
		t.Errorf("bad.test: %q", why)
	}
	// -F replaces both files.
	c, _ = Parse("ssh -F /dev/null pg")
	if tg, why := c.resolve(); why != "" || tg.host != "pg" || tg.port != 22 || tg.user != "barman" {
		t.Errorf("-F /dev/null: %+v %s", tg, why)
	}
}

func TestWildcard(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"*", "pg", true}, {"pg", "pg", true}, {"pg", "pg2", false}, {"pg?", "pg2", true},
		{"pg?", "pg", false}, {"*.example.org", "a.example.org", true}, {"*.example.org", "example.org", false},
		{"a*b*c", "axxbyyc", true}, {"a*b*c", "axxbyy", false},
	} {
		if got := wildcard(tc.pattern, tc.s); got != tc.want {
			t.Errorf("wildcard(%q, %q) = %v", tc.pattern, tc.s, got)
		}
	}
	if matchHost("bad.test", []string{"*.test", "!bad.test"}) || !matchHost("a.test", []string{"*.test", "!bad.test"}) {
		t.Error("negation")
	}
}

// TestTransportEnv: BARMAN_SSH_TRANSPORT forces a transport; native
// refuses a command it does not understand rather than fall back.
func TestTransportEnv(t *testing.T) {
	fakeHome(t)
	plain, _ := Parse("ssh pg")
	proxy, _ := Parse("ssh -J jump pg")
	compressed := plain.With("Compression=yes")
	for _, tc := range []struct {
		env       string
		c         *Command
		want, err string
	}{
		{"", plain, "native", ""},
		{"auto", plain, "native", ""},
		{"native", plain, "native", ""},
		{"openssh", plain, "openssh", ""},
		{"", proxy, "openssh", ""},
		{"", compressed, "openssh", ""},
		{"native", compressed, "native", ""}, // uncompressed
		{"native", Local(), "openssh", ""},   // no ssh to replace
		{"openssh", proxy, "openssh", ""},
		{"native", proxy, "", "BARMAN_SSH_TRANSPORT=native, but the native ssh client cannot run ssh_command \"ssh -J jump pg\": option -J"},
		{"putty", plain, "", "BARMAN_SSH_TRANSPORT=putty: use openssh, native or auto"},
	} {
		t.Setenv(TransportEnv, tc.env)
		name, _, err := tc.c.Transport()
		if name != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.HasPrefix(err.Error(), tc.err)) {
			t.Errorf("%s=%s %s: %q, %v", TransportEnv, tc.env, tc.c.Text, name, err)
		}
	}
}
