package sshcmd

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SystemConfig is OpenSSH's system-wide client configuration, read after
// the user's ~/.ssh/config unless ssh_command has -F.
var SystemConfig = "/etc/ssh/ssh_config"

// readConfigs applies the ssh_config files OpenSSH would read for s: the
// -F file alone, else ~/.ssh/config then the system file. It returns why
// the native client cannot follow them, or "".
func (s *settings) readConfigs() string {
	home := s.home
	if s.configFile != "" {
		if s.configFile == "none" {
			return ""
		}
		file := expandPath(s.configFile, home, s.alias)
		return s.readConfig(file, filepath.Dir(file), true, 0)
	}
	if why := s.readConfig(filepath.Join(home, ".ssh", "config"), filepath.Join(home, ".ssh"), false, 0); why != "" {
		return why
	}
	return s.readConfig(SystemConfig, filepath.Dir(SystemConfig), false, 0)
}

// readConfig applies one ssh_config file: its lines before any Host line
// and in the Host blocks that match s.alias. A key the native client does
// not understand in such a block, a Match block or an Include it cannot
// follow means falling back to OpenSSH; keys of other hosts' blocks do not
// matter. A missing file is no configuration unless it was named (-F).
func (s *settings) readConfig(file, includeDir string, named bool, depth int) string {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) && !named {
		return ""
	}
	if err != nil {
		return fmt.Sprintf("cannot read ssh configuration: %v", err)
	}
	defer f.Close()
	active := true
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		key, value := splitOption(sc.Text())
		if key == "" || strings.HasPrefix(key, "#") {
			continue
		}
		where := fmt.Sprintf("%s line %d", file, n)
		switch strings.ToLower(key) {
		case "host":
			active = matchHost(s.alias, strings.Fields(value))
		case "match":
			return fmt.Sprintf("%s: Match blocks are not understood by the native client", where)
		case "include":
			if !active {
				continue
			}
			if depth >= 8 {
				return fmt.Sprintf("%s: Include nested too deeply", where)
			}
			for _, pat := range strings.Fields(value) {
				if why := s.include(pat, includeDir, depth); why != "" {
					return why
				}
			}
		default:
			if !active {
				continue
			}
			if why := checkSetting(key, value); why != "" {
				return fmt.Sprintf("%s: %s", where, why)
			}
			s.set(key, value)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Sprintf("cannot read ssh configuration %s: %v", file, err)
	}
	return ""
}

func (s *settings) include(pattern, dir string, depth int) string {
	if strings.HasPrefix(pattern, "~/") {
		pattern = filepath.Join(s.home, pattern[2:])
	} else if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(dir, pattern)
	}
	files, err := filepath.Glob(pattern)
	if err != nil {
		return fmt.Sprintf("Include %s: %v", pattern, err)
	}
	for _, f := range files {
		if why := s.readConfig(f, dir, false, depth+1); why != "" {
			return why
		}
	}
	return ""
}

// matchHost reports whether host matches a Host line's patterns: at
// least one positive pattern matches and no negated one does.
func matchHost(host string, patterns []string) bool {
	matched := false
	for _, p := range patterns {
		if neg, ok := strings.CutPrefix(p, "!"); ok {
			if wildcard(strings.ToLower(neg), strings.ToLower(host)) {
				return false
			}
			continue
		}
		if wildcard(strings.ToLower(p), strings.ToLower(host)) {
			matched = true
		}
	}
	return matched
}

// wildcard matches s against a pattern of * (any run) and ? (one
// character), as ssh_config patterns.
func wildcard(p, s string) bool {
	for len(p) > 0 {
		switch p[0] {
		case '*':
			for i := len(s); i >= 0; i-- {
				if wildcard(p[1:], s[i:]) {
					return true
				}
			}
			return false
		case '?':
			if s == "" {
				return false
			}
		default:
			if s == "" || s[0] != p[0] {
				return false
			}
		}
		p, s = p[1:], s[1:]
	}
	return s == ""
}
