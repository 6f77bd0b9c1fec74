package catalog

import (
	"strconv"
	"strings"
	"time"

	"github.com/gobarman/barman/pkg/walname"
)

// The setters below take a key that is one of the Key constants or another
// valid key (a Python identifier); each is meant for keys of its kind, as
// the accessors read them.

// SetString sets a plain string key. A value cannot span lines nor keep
// surrounding spaces in backup.info: only the first line of s is kept,
// stripped of spaces (Barman keeps the first line of error messages too).
func (b *BackupInfo) SetString(key, s string) {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	b.setRaw(key, strings.TrimFunc(s, pyIsSpace))
}

// SetInt sets an integer key.
func (b *BackupInfo) SetInt(key string, v int64) { b.setRaw(key, strconv.FormatInt(v, 10)) }

// SetTime sets a time key, written like str() of a Python datetime with
// a time zone, at microsecond precision.
func (b *BackupInfo) SetTime(key string, t time.Time) { b.setRaw(key, formatTime(t)) }

// SetLSN sets an LSN key ("X/Y").
func (b *BackupInfo) SetLSN(key string, l walname.LSN) { b.setRaw(key, l.String()) }

// SetLiteral sets a key holding a Python literal, as Barman's null_repr
// does: a value Python finds false (None, empty containers, "", 0, False)
// is written None.
func (b *BackupInfo) SetLiteral(key string, v PyValue) {
	if !pyTruthy(v) {
		b.SetNone(key)
		return
	}
	b.setRaw(key, PyRepr(v))
}

// SetStatus sets the status.
func (b *BackupInfo) SetStatus(s Status) { b.SetString(KeyStatus, string(s)) }

// SetError sets the error message (its first line).
func (b *BackupInfo) SetError(msg string) { b.SetString(KeyError, msg) }

// SetBackupName sets the friendly name; "" removes the key, as Barman
// omits backup_name when unset.
func (b *BackupInfo) SetBackupName(name string) {
	if name == "" {
		b.Delete(KeyBackupName)
		return
	}
	b.SetString(KeyBackupName, name)
}

// SetTablespaces sets the tablespaces list; None when empty.
func (b *BackupInfo) SetTablespaces(ts []Tablespace) {
	b.SetLiteral(KeyTablespaces, encodeTablespaces(ts))
}

// SetBackupLabel sets the backup_label text; None when empty.
func (b *BackupInfo) SetBackupLabel(label string) { b.SetLiteral(KeyBackupLabel, PyStr(label)) }

// pyTruthy reports whether Python's bool(v) is True.
func pyTruthy(v PyValue) bool {
	switch v := v.(type) {
	case nil, PyNone:
		return false
	case PyBool:
		return bool(v)
	case PyInt:
		return v != 0
	case PyFloat:
		return v != 0
	case PyStr:
		return v != ""
	case PyList:
		return len(v) > 0
	case PyTuple:
		return len(v) > 0
	case PyDict:
		return len(v) > 0
	}
	return true
}
