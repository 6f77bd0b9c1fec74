package stream

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
)

// Mode is a Unix permission mode: the permission bits plus setuid, setgid
// and sticky (at most 07777). The file type is not part of it; see
// BackupFile.Kind. In JSON it is an octal string of at least four digits,
// "0640", "0755", "1777", which reads like ls and chmod and survives jq.
// Readers also accept a JSON integer (the numeric value, e.g. 420 for
// 0644).
type Mode uint32

const modeMax = 0o7777

// ModeOf converts the permission, setuid, setgid and sticky bits of an
// fs.FileMode.
func ModeOf(m fs.FileMode) Mode {
	r := Mode(m.Perm())
	if m&fs.ModeSetuid != 0 {
		r |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		r |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		r |= 0o1000
	}
	return r
}

// FileMode converts m to an fs.FileMode (permission and special bits only).
func (m Mode) FileMode() fs.FileMode {
	r := fs.FileMode(m & 0o777)
	if m&0o4000 != 0 {
		r |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		r |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		r |= fs.ModeSticky
	}
	return r
}

// String returns the octal form, e.g. "0640".
func (m Mode) String() string { return fmt.Sprintf("%04o", uint32(m)) }

// MarshalJSON writes the octal string.
func (m Mode) MarshalJSON() ([]byte, error) {
	if m > modeMax {
		return nil, fmt.Errorf("mode %o has bits beyond 07777", uint32(m))
	}
	return []byte(`"` + m.String() + `"`), nil
}

// UnmarshalJSON reads an octal string or an integer.
func (m *Mode) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var n uint64
	var err error
	if b[0] == '"' {
		var s string
		if err = json.Unmarshal(b, &s); err != nil {
			return err
		}
		n, err = strconv.ParseUint(s, 8, 32)
	} else {
		n, err = strconv.ParseUint(string(b), 10, 32)
	}
	if err != nil || n > modeMax {
		return fmt.Errorf("mode: %s is not a permission mode (octal string up to \"7777\")", b)
	}
	*m = Mode(n)
	return nil
}
