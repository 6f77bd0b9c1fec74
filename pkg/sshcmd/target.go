package sshcmd

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// target is what a plain ssh command line resolves to for the native
// client: where to connect, as whom, with which keys, and how to check
// the host key.
type target struct {
	host, alias      string
	port             int
	user             string
	network          string // tcp, tcp4 or tcp6
	signers          []ssh.Signer
	agentSock        string   // "" for no agent
	agentOnly        [][]byte // with IdentitiesOnly: the agent keys allowed (wire form); nil for any
	knownHosts       []string // user files: the first gets new hosts
	globalKnownHosts []string
	strict           string // yes, accept-new or no
	hashKnownHosts   bool
	connectTimeout   time.Duration
	aliveInterval    time.Duration
	aliveCountMax    int
	// compression is Compression=yes, which the native client cannot
	// do: auto leaves such a command to OpenSSH, a forced native
	// transport runs it uncompressed.
	compression bool
}

// key identifies the connections that can be shared.
func (t *target) key() string {
	return fmt.Sprintf("%s@%s:%d/%s/%v/%v/%s/%s/%v", t.user, t.host, t.port, t.network,
		fingerprints(t.signers), t.agentOnly != nil, t.agentSock, t.strict, t.knownHosts)
}

func fingerprints(signers []ssh.Signer) []string {
	var f []string
	for _, s := range signers {
		f = append(f, ssh.FingerprintSHA256(s.PublicKey()))
	}
	return f
}

func (t *target) addr() string { return net.JoinHostPort(t.host, strconv.Itoa(t.port)) }

// resolveTarget works out the target of an ssh command line (argv
// without the program), or says why the native client cannot run it.
func resolveTarget(args []string) (*target, string) {
	s, why := parseArgs(args)
	if why != "" {
		return nil, why
	}
	me, err := currentUser()
	if err != nil {
		return nil, fmt.Sprintf("no local user: %v", err)
	}
	s.home = me.HomeDir
	if why := s.readConfigs(); why != "" {
		return nil, why
	}
	t := &target{alias: s.alias, user: s.get("user", me.Username), network: "tcp"}
	t.host = strings.ReplaceAll(strings.ReplaceAll(s.get("hostname", s.alias), "%h", s.alias), "%%", "%")
	t.port, _ = strconv.Atoi(s.get("port", "22"))
	switch strings.ToLower(s.get("addressfamily", "any")) {
	case "inet":
		t.network = "tcp4"
	case "inet6":
		t.network = "tcp6"
	}
	t.strict = strings.ToLower(s.get("stricthostkeychecking", "ask"))
	switch t.strict {
	case "off":
		t.strict = "no"
	case "ask": // batch mode: never asks, so refuses an unknown host
		t.strict = "yes"
	}
	t.hashKnownHosts = strings.EqualFold(s.get("hashknownhosts", "no"), "yes")
	t.compression = strings.EqualFold(s.get("compression", "no"), "yes")
	for _, f := range strings.Fields(s.get("userknownhostsfile", "~/.ssh/known_hosts ~/.ssh/known_hosts2")) {
		t.knownHosts = append(t.knownHosts, expandPath(f, s.home, s.alias))
	}
	for _, f := range strings.Fields(s.get("globalknownhostsfile", "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2")) {
		t.globalKnownHosts = append(t.globalKnownHosts, expandPath(f, s.home, s.alias))
	}
	sec := func(key, def string) time.Duration {
		n, _ := strconv.Atoi(s.get(key, def))
		return time.Duration(n) * time.Second
	}
	t.connectTimeout = sec("connecttimeout", "0")
	t.aliveInterval = sec("serveraliveinterval", "0")
	t.aliveCountMax, _ = strconv.Atoi(s.get("serveralivecountmax", "3"))
	if why := t.loadKeys(s); why != "" {
		return nil, why
	}
	return t, ""
}

// currentUser is the local user, whose home has ~/.ssh (a variable for
// the tests).
var currentUser = user.Current

// defaultIdentities are the key files tried when none is named.
var defaultIdentities = []string{"~/.ssh/id_ed25519", "~/.ssh/id_ecdsa", "~/.ssh/id_rsa"}

// loadKeys reads the identity files (the named ones, else the default
// ones) and finds the agent. A key file that is encrypted needs the agent
// to hold it; a certificate beside a key is not understood.
func (t *target) loadKeys(s *settings) string {
	files, named := s.identities, true
	if len(files) == 0 {
		files, named = defaultIdentities, false
	}
	identitiesOnly := strings.EqualFold(s.get("identitiesonly", "no"), "yes")
	if sock := os.Getenv("SSH_AUTH_SOCK"); sock != "" {
		t.agentSock = sock
	}
	var agentKeys [][]byte // encrypted keys: the agent must hold them
	for _, f := range files {
		path := expandPath(f, s.home, s.alias)
		if _, err := os.Stat(path + "-cert.pub"); err == nil {
			return fmt.Sprintf("certificate %s-cert.pub is not understood by the native client", path)
		}
		signer, why := readKey(path)
		switch {
		case why == "missing":
			continue
		case why == "encrypted":
			pub, err := readPublicKey(path + ".pub")
			if t.agentSock == "" || err != nil || !agentHolds(t.agentSock, pub) {
				return fmt.Sprintf("identity file %s is encrypted and no ssh-agent holds it", path)
			}
			agentKeys = append(agentKeys, pub.Marshal())
		case why != "":
			if named {
				debugf("ssh: native client skips identity file", "file", path, "reason", why)
			}
		default:
			t.signers = append(t.signers, signer)
		}
	}
	if identitiesOnly && t.agentSock != "" {
		t.agentOnly = append([][]byte{}, agentKeys...)
	}
	if len(t.signers) == 0 && t.agentSock == "" {
		return "no usable identity file and no ssh-agent"
	}
	return ""
}

// readKey reads an unencrypted private key; why is "missing",
// "encrypted" or another reason not to use it.
func readKey(path string) (ssh.Signer, string) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, "missing"
	}
	if st.Mode().Perm()&0o077 != 0 {
		// As OpenSSH: a key others can read is ignored.
		return nil, fmt.Sprintf("permissions %#o are too open", st.Mode().Perm())
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err.Error()
	}
	signer, err := ssh.ParsePrivateKey(pem)
	var pme *ssh.PassphraseMissingError
	if errors.As(err, &pme) {
		return nil, "encrypted"
	}
	if err != nil {
		return nil, err.Error()
	}
	return signer, ""
}

func readPublicKey(path string) (ssh.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey(b)
	return pub, err
}

// agentHolds reports whether the agent at sock holds pub.
func agentHolds(sock string, pub ssh.PublicKey) bool {
	c, err := net.Dial("unix", sock)
	if err != nil {
		return false
	}
	defer c.Close()
	keys, err := agent.NewClient(c).List()
	if err != nil {
		return false
	}
	for _, k := range keys {
		if bytes.Equal(k.Marshal(), pub.Marshal()) {
			return true
		}
	}
	return false
}
