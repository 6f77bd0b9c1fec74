package catalog

import (
	"bytes"
	"os"
	"slices"
	"testing"
)

// TestNewFailedLikeBarman builds the FAILED backup of the sample from
// scratch, as Barman 3.4 does, and expects the same bytes.
func TestNewFailedLikeBarman(t *testing.T) {
	l := NewLayout(sampleHome, "pgfail", Dirs{})
	bs, err := l.ListBackups()
	if err != nil || len(bs) != 1 {
		t.Fatal(bs, err)
	}
	want, _ := os.ReadFile(l.BackupInfoPath(bs[0].ID))
	b := NewBackupInfo(bs[0].ID, "pgfail", "postgres")
	b.SetString(KeySystemID, bs[0].SystemID())
	b.SetStatus(StatusFailed)
	b.SetError("failure starting backup (Abort 'pre_backup_retry_script' retry hook script (exit 63, exit code: 63))\nDETAILS: more")
	if got := b.Marshal(); !bytes.Equal(got, want) {
		t.Errorf("fresh FAILED backup.info:\n%s\nwant:\n%s", got, want)
	}
}

// TestNewDoneLikeBarman copies every field of the sample's DONE backups
// through the typed accessors and setters into fresh BackupInfos, and
// expects the bytes Barman 3.4 wrote.
func TestNewDoneLikeBarman(t *testing.T) {
	l := NewLayout(sampleHome, "pg", Dirs{})
	bs, err := l.ListBackups()
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range bs {
		want, _ := os.ReadFile(l.BackupInfoPath(src.ID))
		b := NewBackupInfo(src.ID, src.ServerName(), src.Mode())
		copyTyped(b, src)
		if got := b.Marshal(); !bytes.Equal(got, want) {
			t.Errorf("fresh copy of %s:\n%s\nwant:\n%s", src.ID, got, want)
		}
		if !slices.Equal(b.Keys(), src.Keys()) {
			t.Errorf("keys %v, want %v", b.Keys(), src.Keys())
		}
	}
}

func copyTyped(b, src *BackupInfo) {
	for _, k := range []string{KeyBeginOffset, KeyEndOffset, KeySize, KeyDeduplicatedSize, KeyTimeline, KeyVersion, KeyXlogSegmentSize} {
		v, _ := src.Int(k)
		b.SetInt(k, v)
	}
	for _, k := range []string{KeyBeginTime, KeyEndTime} {
		v, _ := src.Time(k)
		b.SetTime(k, v)
	}
	for _, k := range []string{KeyBeginXlog, KeyEndXlog} {
		v, _ := src.LSN(k)
		b.SetLSN(k, v)
	}
	for _, k := range []string{KeyBeginWAL, KeyEndWAL, KeyConfigFile, KeyHBAFile, KeyIdentFile, KeyPGData, KeySystemID} {
		b.SetString(k, src.String(k))
	}
	b.SetBackupLabel(src.BackupLabel())
	b.SetLiteral(KeyCopyStats, src.CopyStats())
	b.SetLiteral(KeyIncludedFiles, PyList{})
	b.SetTablespaces(src.Tablespaces())
	b.SetStatus(src.Status())
	b.SetBackupName(src.BackupName())
}

func TestNewBackupInfoKeys(t *testing.T) {
	b := NewBackupInfo("20260101T000000", "pg", "postgres")
	if b.IsSet(KeyBackupName) || slices.Contains(b.Keys(), KeyBackupName) || slices.Contains(b.Keys(), KeySnapshotsInfo) {
		t.Error("backup_name or snapshots_info written while unset")
	}
	if len(b.Keys()) != 27 || b.Status() != StatusEmpty || b.XlogSegmentSize() != 16<<20 {
		t.Errorf("keys %d status %s", len(b.Keys()), b.Status())
	}
	b.SetBackupName("x")
	b.SetBackupName("")
	if _, ok := b.Raw(KeyBackupName); ok {
		t.Error("SetBackupName(\"\") kept the key")
	}
}
