package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/walname"
)

// Status is the status of a backup, as written in backup.info.
type Status string

// Backup statuses.
const (
	StatusEmpty          Status = "EMPTY"   // just created
	StatusStarted        Status = "STARTED" // copy in progress
	StatusFailed         Status = "FAILED"
	StatusWaitingForWALs Status = "WAITING_FOR_WALS" // copied, WALs to come
	StatusDone           Status = "DONE"
	StatusSyncing        Status = "SYNCING" // passive node copy in progress
)

// pyNone is how backup.info spells an unset value.
const pyNone = "None"

// BackupInfo is the content of one backup.info file: key=value lines.
// Every key read is kept with its raw text, including keys this package
// does not know, so that reading then writing a file Barman wrote gives the
// same bytes. Typed accessors decode the known keys; values of known keys
// are checked when read or set, so the accessors cannot fail.
type BackupInfo struct {
	ID     string            // the backup ID; a directory name, not a key
	values map[string]string // key -> raw value text, "None" when unset
}

// keys34 returns the keys Barman 3.4 always writes. It also writes
// backup_name and snapshots_info, but only when they are set.
func keys34() []string {
	return []string{
		KeyBackupLabel, KeyBeginOffset, KeyBeginTime, KeyBeginWAL, KeyBeginXlog,
		KeyCompression, KeyConfigFile, KeyCopyStats, KeyDeduplicatedSize,
		KeyEndOffset, KeyEndTime, KeyEndWAL, KeyEndXlog, KeyError, KeyHBAFile,
		KeyIdentFile, KeyIncludedFiles, KeyMode, KeyPGData, KeyServerName, KeySize,
		KeyStatus, KeySystemID, KeyTablespaces, KeyTimeline, KeyVersion,
		KeyXlogSegmentSize,
	}
}

// NewBackupInfo returns the backup.info of a new backup as Barman 3.4
// creates it: every key it always writes set to None, except status
// (EMPTY), xlog_segment_size (16 MiB), server_name and mode.
func NewBackupInfo(id, serverName, mode string) *BackupInfo {
	b := &BackupInfo{ID: id, values: make(map[string]string, 32)}
	for _, k := range keys34() {
		b.values[k] = pyNone
	}
	b.SetStatus(StatusEmpty)
	b.SetInt(KeyXlogSegmentSize, walname.DefaultSegmentSize)
	b.SetString(KeyServerName, serverName)
	b.SetString(KeyMode, mode)
	return b
}

// Keys returns the keys present, sorted as they are written.
func (b *BackupInfo) Keys() []string {
	keys := make([]string, 0, len(b.values))
	for k := range b.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Raw returns the text of key as written in the file ("None" when unset)
// and whether the key is present at all.
func (b *BackupInfo) Raw(key string) (string, bool) {
	v, ok := b.values[key]
	return v, ok
}

// IsSet reports whether key is present with a value other than None.
func (b *BackupInfo) IsSet(key string) bool {
	v, ok := b.values[key]
	return ok && v != pyNone
}

// Set sets key to the raw text value, checked as reading would check it.
func (b *BackupInfo) Set(key, value string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if strings.ContainsAny(value, "\r\n") || value != strings.TrimFunc(value, pyIsSpace) {
		return fmt.Errorf("value of %s has a line break or surrounding spaces", key)
	}
	if value != pyNone {
		if err := checkField(key, value); err != nil {
			return err
		}
	}
	b.setRaw(key, value)
	return nil
}

func (b *BackupInfo) setRaw(key, value string) {
	if b.values == nil {
		b.values = make(map[string]string)
	}
	b.values[key] = value
}

// SetNone sets key to None (written as "key=None").
func (b *BackupInfo) SetNone(key string) { b.setRaw(key, pyNone) }

// Delete removes key: it is not written at all.
func (b *BackupInfo) Delete(key string) { delete(b.values, key) }

// Marshal returns the file content: one key=value line per key, sorted.
func (b *BackupInfo) Marshal() []byte {
	var sb strings.Builder
	for _, k := range b.Keys() {
		sb.WriteString(k)
		sb.WriteByte('=')
		sb.WriteString(b.values[k])
		sb.WriteByte('\n')
	}
	return []byte(sb.String())
}

// Clone returns a deep copy of b.
func (b *BackupInfo) Clone() *BackupInfo {
	c := &BackupInfo{ID: b.ID, values: make(map[string]string, len(b.values))}
	for k, v := range b.values {
		c.values[k] = v
	}
	return c
}
