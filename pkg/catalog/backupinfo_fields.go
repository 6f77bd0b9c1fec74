package catalog

import (
	"time"

	"github.com/gobarman/barman/pkg/walname"
)

// Typed accessors of plain keys. Strings are "" when unset; the others
// have ok false when unset.

func (b *BackupInfo) ServerName() string     { return b.String(KeyServerName) }
func (b *BackupInfo) Mode() string           { return b.String(KeyMode) }
func (b *BackupInfo) ErrorMessage() string   { return b.String(KeyError) }
func (b *BackupInfo) BackupName() string     { return b.String(KeyBackupName) }
func (b *BackupInfo) PGData() string         { return b.String(KeyPGData) }
func (b *BackupInfo) SystemID() string       { return b.String(KeySystemID) }
func (b *BackupInfo) ConfigFile() string     { return b.String(KeyConfigFile) }
func (b *BackupInfo) HBAFile() string        { return b.String(KeyHBAFile) }
func (b *BackupInfo) IdentFile() string      { return b.String(KeyIdentFile) }
func (b *BackupInfo) Compression() string    { return b.String(KeyCompression) }
func (b *BackupInfo) Encryption() string     { return b.String(KeyEncryption) }
func (b *BackupInfo) BeginWAL() string       { return b.String(KeyBeginWAL) }
func (b *BackupInfo) EndWAL() string         { return b.String(KeyEndWAL) }
func (b *BackupInfo) ParentBackupID() string { return b.String(KeyParentBackupID) }

func (b *BackupInfo) BeginTime() (time.Time, bool)   { return b.Time(KeyBeginTime) }
func (b *BackupInfo) EndTime() (time.Time, bool)     { return b.Time(KeyEndTime) }
func (b *BackupInfo) BeginXlog() (walname.LSN, bool) { return b.LSN(KeyBeginXlog) }
func (b *BackupInfo) EndXlog() (walname.LSN, bool)   { return b.LSN(KeyEndXlog) }
func (b *BackupInfo) BeginOffset() (int64, bool)     { return b.Int(KeyBeginOffset) }
func (b *BackupInfo) EndOffset() (int64, bool)       { return b.Int(KeyEndOffset) }
func (b *BackupInfo) Size() (int64, bool)            { return b.Int(KeySize) }
func (b *BackupInfo) DeduplicatedSize() (int64, bool) {
	return b.Int(KeyDeduplicatedSize)
}
func (b *BackupInfo) ClusterSize() (int64, bool) { return b.Int(KeyClusterSize) }
