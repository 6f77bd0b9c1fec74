package sshcmd

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// settings are ssh options as OpenSSH collects them: the first value seen
// for a key wins (command line first, then the configuration files), but
// IdentityFile accumulates.
type settings struct {
	alias      string // the destination host as written
	values     map[string]string
	identities []string
	configFile string // -F; "" for the default files
	home       string // the local user's home directory, for ~
}

func (s *settings) set(key, value string) {
	key = strings.ToLower(key)
	if key == "identityfile" {
		s.identities = append(s.identities, value)
		return
	}
	if _, ok := s.values[key]; !ok {
		s.values[key] = value
	}
}

func (s *settings) get(key, def string) string {
	if v, ok := s.values[key]; ok {
		return v
	}
	return def
}

// ssh's flags without an argument, and with one (OpenSSH 9).
const (
	flagsPlain = "46AaCfGgKkMNnqsTtVvXxYy"
	flagsArg   = "BbcDEeFIiJLlmOoPpQRSWw"
)

// plainFlagsUnderstood are the flags without argument that change nothing
// for the native client: address family, quiet, no tty (it never asks
// for one), no X11 or agent forwarding (it never forwards).
const plainFlagsUnderstood = "46qTxa"

// parseArgs reads an ssh command line (without the program name and the
// remote command) as OpenSSH does: options, the destination, and more
// options after it. It returns why the native client cannot run it, or
// "" with the settings.
func parseArgs(args []string) (*settings, string) {
	s := &settings{values: map[string]string{}}
	host := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) && host == "" {
				i++
				if why := s.destination(args[i], &host); why != "" {
					return nil, why
				}
			}
			if i+1 < len(args) {
				return nil, fmt.Sprintf("words after the destination (%q): a remote command in ssh_command", args[i+1])
			}
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if host != "" {
				return nil, fmt.Sprintf("words after the destination (%q): a remote command in ssh_command", a)
			}
			if why := s.destination(a, &host); why != "" {
				return nil, why
			}
			continue
		}
		for j := 1; j < len(a); j++ {
			f := a[j]
			switch {
			case strings.IndexByte(flagsPlain, f) >= 0:
				if strings.IndexByte(plainFlagsUnderstood, f) < 0 {
					return nil, fmt.Sprintf("option -%c", f)
				}
				if f == '4' {
					s.set("addressfamily", "inet")
				} else if f == '6' {
					s.set("addressfamily", "inet6")
				}
			case strings.IndexByte(flagsArg, f) >= 0:
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(args) {
						return nil, fmt.Sprintf("option -%c without its value", f)
					}
					i++
					val = args[i]
				}
				if why := s.flag(f, val); why != "" {
					return nil, why
				}
				j = len(a)
			default:
				return nil, fmt.Sprintf("unknown option -%c", f)
			}
		}
	}
	if host == "" {
		return nil, "no destination host"
	}
	s.alias = host
	return s, ""
}

// flag applies an ssh flag with a value.
func (s *settings) flag(f byte, val string) string {
	keys := map[byte]string{'p': "Port", 'l': "User", 'i': "IdentityFile"}
	switch f {
	case 'p', 'l', 'i':
		if why := checkSetting(keys[f], val); why != "" {
			return fmt.Sprintf("-%c %s: %s", f, val, why)
		}
		s.set(keys[f], val)
	case 'F':
		if s.configFile == "" {
			s.configFile = val
		}
	case 'o':
		key, value := splitOption(val)
		if why := checkSetting(key, value); why != "" {
			return "-o " + val + ": " + why
		}
		s.set(key, value)
	default:
		return fmt.Sprintf("option -%c", f)
	}
	return ""
}

// destination reads [user@]host or ssh://[user@]host[:port].
func (s *settings) destination(d string, host *string) string {
	if strings.HasPrefix(d, "ssh://") {
		u, err := url.Parse(d)
		if err != nil || u.Hostname() == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Sprintf("destination %q", d)
		}
		if u.User != nil {
			s.set("user", u.User.Username())
		}
		if u.Port() != "" {
			s.set("port", u.Port())
		}
		*host = u.Hostname()
		return ""
	}
	if at := strings.LastIndexByte(d, '@'); at >= 0 {
		if at == 0 {
			return fmt.Sprintf("destination %q", d)
		}
		s.set("user", d[:at])
		d = d[at+1:]
	}
	if d == "" {
		return "empty destination host"
	}
	*host = d
	return ""
}

// splitOption splits "Key=Value" or "Key Value".
func splitOption(o string) (string, string) {
	o = strings.TrimSpace(o)
	i := strings.IndexAny(o, "= \t")
	if i < 0 {
		return o, ""
	}
	key, rest := o[:i], strings.TrimLeft(o[i:], " \t")
	rest = strings.TrimPrefix(rest, "=")
	return key, unquote(strings.TrimSpace(rest))
}

func unquote(v string) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return v[1 : len(v)-1]
	}
	return v
}

// checkers says, for each ssh option the native client understands,
// which values it can honour ("" when it can).
var checkers = map[string]func(v string) string{
	"hostname":              noTokens,
	"port":                  isPort,
	"user":                  noTokens,
	"identityfile":          noTokens,
	"identitiesonly":        isYesNo,
	"batchmode":             isYesNo, // it never prompts
	"stricthostkeychecking": oneOf("yes", "no", "off", "accept-new", "ask"),
	"userknownhostsfile":    noTokens,
	"globalknownhostsfile":  noTokens,
	"hashknownhosts":        isYesNo,
	"connecttimeout":        isSeconds,
	"serveraliveinterval":   isSeconds,
	"serveralivecountmax":   isCount,
	"addressfamily":         oneOf("any", "inet", "inet6"),
	"compression":           isYesNo, // yes: see target.compression
	"pubkeyauthentication":  oneOf("yes"),
	"forwardagent":          oneOf("no"),
	"forwardx11":            oneOf("no"),
	"requesttty":            oneOf("no", "auto"),
	// Accepted and ignored: it authenticates with keys only, in batch
	// mode, and sends no environment (Debian's /etc/ssh/ssh_config sets
	// SendEnv, HashKnownHosts and GSSAPIAuthentication for every host).
	"loglevel":                        anything,
	"passwordauthentication":          isYesNo,
	"kbdinteractiveauthentication":    isYesNo,
	"challengeresponseauthentication": isYesNo,
	"gssapiauthentication":            isYesNo,
	"gssapidelegatecredentials":       oneOf("no"),
	"sendenv":                         anything,
	"checkhostip":                     isYesNo,
	"updatehostkeys":                  anything,
	"visualhostkey":                   oneOf("no"),
}

// checkSetting says why the native client cannot honour key=value, or "".
func checkSetting(key, value string) string {
	check, ok := checkers[strings.ToLower(key)]
	if !ok {
		return fmt.Sprintf("option %s is not understood by the native client", key)
	}
	if why := check(value); why != "" {
		return fmt.Sprintf("%s %s: %s", key, value, why)
	}
	return ""
}

func anything(string) string { return "" }

func noTokens(v string) string {
	if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(v, "%%", ""), "%h", ""), "%") {
		return "% tokens are not understood by the native client"
	}
	return ""
}

func isYesNo(v string) string { return oneOf("yes", "no")(v) }

func oneOf(values ...string) func(string) string {
	return func(v string) string {
		for _, ok := range values {
			if strings.EqualFold(v, ok) {
				return ""
			}
		}
		return "value not supported by the native client"
	}
}

func isPort(v string) string {
	if n, err := strconv.Atoi(v); err != nil || n <= 0 || n > 65535 {
		return "not a port number"
	}
	return ""
}

func isSeconds(v string) string {
	if n, err := strconv.Atoi(v); err != nil || n < 0 {
		return "not a number of seconds"
	}
	return ""
}

func isCount(v string) string {
	if n, err := strconv.Atoi(v); err != nil || n < 0 {
		return "not a count"
	}
	return ""
}

// expandPath expands ~ and %h, %% in a file name of an option.
func expandPath(p, home, alias string) string {
	p = strings.ReplaceAll(strings.ReplaceAll(p, "%h", alias), "%%", "%")
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}
