package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/mattn/go-shellwords"
)

var sprintf = fmt.Sprintf

var (
	hexRe  = regexp.MustCompile(`^0x[0-9a-fA-F]+$`)
	slotRe = regexp.MustCompile(`^[0-9a-z_]+$`)
)

// Kind validates the text of a value. The error says what is accepted.
type Kind struct {
	Name  string // bool, int, path, enum, command, ...
	check func(string) error
}

// Check validates a value.
func (k Kind) Check(v string) error {
	if k.check == nil {
		return nil
	}
	return k.check(v)
}

func kindFunc(name string, f func(string) error) Kind { return Kind{Name: name, check: f} }

var (
	kindString = kindFunc("string", func(string) error { return nil })

	kindAbsPath = kindFunc("abspath", func(v string) error {
		if !filepath.IsAbs(v) {
			return fmt.Errorf("%q is not an absolute path (accepted: a path starting with /)", v)
		}
		return nil
	})

	kindBool = kindFunc("bool", func(v string) error {
		if _, ok := ParseBool(v); !ok {
			return fmt.Errorf("%q is not a boolean (accepted: true, false, on, off, yes, no, 1, 0)", v)
		}
		return nil
	})

	kindInt = kindFunc("int", func(v string) error {
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Errorf("%q is not an integer", v)
		}
		return nil
	})

	kindUint = kindFunc("uint", func(v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			return fmt.Errorf("%q is not a non-negative integer (accepted: 0, 1, 2, ...)", v)
		}
		return nil
	})

	kindPositive = kindFunc("positive", func(v string) error {
		if n, err := strconv.Atoi(v); err != nil || n < 1 {
			return fmt.Errorf("%q is not a positive integer (accepted: 1, 2, 3, ...)", v)
		}
		return nil
	})

	kindCommand = kindFunc("command", func(v string) error {
		if _, err := SplitCommand(v); err != nil {
			return err
		}
		return nil
	})

	kindHex = kindFunc("hex", func(v string) error {
		if !hexRe.MatchString(v) {
			return fmt.Errorf("%q is not a hexadecimal magic (accepted: 0x followed by hex digits)", v)
		}
		return nil
	})

	kindSlotName = kindFunc("slotname", func(v string) error {
		// Barman lower-cases the name before checking it.
		if !slotRe.MatchString(strings.ToLower(v)) {
			return fmt.Errorf("%q is not a valid replication slot name (accepted: lower-case letters, digits and _)", v)
		}
		return nil
	})

	kindCompressionLevel = kindFunc("compressionlevel", func(v string) error {
		switch strings.ToLower(v) {
		case "low", "medium", "high":
			return nil
		}
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Errorf("%q is not a compression level (accepted: low, medium, high or an integer)", v)
		}
		return nil
	})

	kindRetention = kindFunc("retention", func(v string) error {
		_, err := ParseRetentionPolicy(v)
		return err
	})

	kindInterval = kindFunc("interval", func(v string) error {
		_, err := ParseInterval(v)
		return err
	})

	kindSize = kindFunc("size", func(v string) error {
		_, err := ParseSize(v)
		return err
	})
)

func enumKind(values ...string) Kind {
	return kindFunc("enum", func(v string) error {
		for _, a := range values {
			if strings.EqualFold(a, v) {
				return nil
			}
		}
		return fmt.Errorf("%q is not valid (accepted: %s)", v, strings.Join(values, ", "))
	})
}

func csvKind(values ...string) Kind {
	one := enumKind(values...)
	return kindFunc("list", func(v string) error {
		for _, item := range strings.Split(v, ",") {
			if err := one.Check(strings.TrimSpace(item)); err != nil {
				return err
			}
		}
		return nil
	})
}

// ParseBool reads Barman's booleans: true|t|yes|y|1|on and false|f|no|n|0|off.
func ParseBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "t", "yes", "y", "1", "on":
		return true, true
	case "false", "f", "no", "n", "0", "off":
		return false, true
	}
	return false, false
}

// SplitCommand splits a shell-like command line (ssh_command, a filter)
// into words, as a POSIX shell would for quoting.
func SplitCommand(v string) ([]string, error) {
	p := shellwords.NewParser()
	words, err := p.Parse(v)
	if err != nil {
		return nil, fmt.Errorf("%q cannot be split into words: %v (check the quotes)", v, err)
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("%q is an empty command", v)
	}
	return words, nil
}
