package sshcmd

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// hostKeys checks the server's host key against the known_hosts files of
// t, as OpenSSH: a changed key is refused (unless StrictHostKeyChecking
// is no), an unknown host is refused with StrictHostKeyChecking=yes, else
// accepted and added to the first user file. It also returns the host key
// algorithms to ask for: those of the keys known for the host, so that a
// host known by an ECDSA key is not taken as changed when it offers
// Ed25519 first.
func hostKeys(t *target) (ssh.HostKeyCallback, []string, error) {
	var files []string
	for _, f := range append(append([]string{}, t.knownHosts...), t.globalKnownHosts...) {
		if st, err := os.Stat(f); err == nil && st.Mode().IsRegular() {
			files = append(files, f)
		}
	}
	check := func(string, net.Addr, ssh.PublicKey) error { return &knownhosts.KeyError{} }
	if len(files) > 0 {
		cb, err := knownhosts.New(files...)
		if err != nil {
			return nil, nil, fmt.Errorf("read known hosts: %w", err)
		}
		check = cb
	}
	cb := func(hostname string, remote net.Addr, key ssh.PublicKey) error {
		err := check(hostname, remote, key)
		var ke *knownhosts.KeyError
		if !errors.As(err, &ke) {
			return err // nil or revoked
		}
		if len(ke.Want) == 0 || !knowsType(ke.Want, key.Type()) {
			// As OpenSSH: a key of a type not yet known for the host is
			// a new key, not a changed one.
			return t.newHost(hostname, key)
		}
		w := ke.Want[0]
		if t.strict == "no" {
			debugf("ssh: host key changed, accepted as StrictHostKeyChecking=no", "host", hostname, "file", w.Filename, "line", w.Line)
			return nil
		}
		name := knownhosts.Normalize(hostname)
		return fmt.Errorf("the %s host key of %s has CHANGED: it does not match the key in %s line %d; "+
			"if the host's key really changed, remove the old one with 'ssh-keygen -R %s -f %s', else someone may be in the middle",
			key.Type(), name, w.Filename, w.Line, name, w.Filename)
	}
	return cb, knownAlgorithms(check, t.addr()), nil
}

// newHost accepts an unknown host key and records it, or refuses it with
// StrictHostKeyChecking=yes.
func (t *target) newHost(hostname string, key ssh.PublicKey) error {
	name := knownhosts.Normalize(hostname)
	if t.strict == "yes" {
		return fmt.Errorf("host key of %s is not known (StrictHostKeyChecking=yes): add it to %v, e.g. with 'ssh-keyscan -p %d %s'",
			name, t.knownHosts, t.port, t.host)
	}
	if len(t.knownHosts) == 0 || t.knownHosts[0] == os.DevNull || t.knownHosts[0] == "none" {
		return nil
	}
	if t.hashKnownHosts {
		name = knownhosts.HashHostname(name)
	}
	if err := appendKnownHost(t.knownHosts[0], knownhosts.Line([]string{name}, key)); err != nil {
		return fmt.Errorf("record the host key of %s: %w", hostname, err)
	}
	debugf("ssh: new host key recorded", "host", hostname, "file", t.knownHosts[0])
	return nil
}

var knownHostsMu sync.Mutex

func appendKnownHost(file, line string) error {
	knownHostsMu.Lock()
	defer knownHostsMu.Unlock()
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.WriteString(line + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// probeKey is a key no host has, to list the keys known for a host.
var probeKey = func() ssh.PublicKey {
	pub, _, _ := ed25519.GenerateKey(nil)
	k, _ := ssh.NewPublicKey(pub)
	return k
}()

func knowsType(known []knownhosts.KnownKey, keyType string) bool {
	for _, k := range known {
		if k.Key.Type() == keyType {
			return true
		}
	}
	return false
}

// knownAlgorithms lists the host key algorithms of the keys known for
// addr first, then the others, or nil (the client's defaults) when none
// is known.
func knownAlgorithms(check ssh.HostKeyCallback, addr string) []string {
	ip := &net.TCPAddr{IP: net.IPv4(0, 0, 0, 0)}
	if h, _, err := net.SplitHostPort(addr); err == nil {
		if p := net.ParseIP(h); p != nil {
			ip.IP = p
		}
	}
	var ke *knownhosts.KeyError
	if !errors.As(check(addr, ip, probeKey), &ke) {
		return nil
	}
	var algos []string
	seen := map[string]bool{}
	for _, w := range ke.Want {
		for _, a := range algorithmsFor(w.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	for _, a := range ssh.SupportedAlgorithms().HostKeys {
		if !seen[a] {
			algos = append(algos, a)
		}
	}
	return algos
}

func algorithmsFor(keyType string) []string {
	if keyType == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
	}
	return []string{keyType}
}
