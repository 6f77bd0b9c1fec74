package catalog

import (
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/walname"
)

func TestSampleListBackups(t *testing.T) {
	pg, err := NewLayout(sampleHome, "pg", Dirs{}).ListBackups()
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) != 2 || pg[0].ID >= pg[1].ID {
		t.Fatalf("pg backups: %d, want 2 sorted", len(pg))
	}
	if pg[0].BackupName() != "" || pg[1].BackupName() != "second-backup" {
		t.Errorf("backup names %q, %q", pg[0].BackupName(), pg[1].BackupName())
	}
	failed, err := NewLayout(sampleHome, "pgfail", Dirs{}).ListBackups()
	if err != nil || len(failed) != 1 {
		t.Fatalf("pgfail backups: %v, %v", failed, err)
	}
	f := failed[0]
	if f.Status() != StatusFailed || !strings.Contains(f.ErrorMessage(), "exit 63") || f.IsSet(KeyBeginTime) {
		t.Errorf("failed backup: status %s, error %q", f.Status(), f.ErrorMessage())
	}
	if _, ok := f.Size(); ok || f.Tablespaces() != nil || f.BackupLabel() != "" || f.CopyStats() != nil {
		t.Error("unset fields of the failed backup read as set")
	}
}

func TestSampleAccessors(t *testing.T) {
	bs, _ := NewLayout(sampleHome, "pg", Dirs{}).ListBackups()
	b := bs[0]
	if b.Status() != StatusDone || b.ServerName() != "pg" || b.Mode() != "postgres" || b.Compression() != "" {
		t.Errorf("status %s server %s mode %s compression %q", b.Status(), b.ServerName(), b.Mode(), b.Compression())
	}
	if v, ok := b.Version(); !ok || v/10000 != 15 {
		t.Errorf("version %d", v)
	}
	if tli, ok := b.Timeline(); !ok || tli != 1 {
		t.Errorf("timeline %d", tli)
	}
	begin, ok1 := b.BeginTime()
	end, ok2 := b.EndTime()
	if _, off := begin.Zone(); !ok1 || !ok2 || !end.After(begin) || off != 0 {
		t.Errorf("times %v %v", begin, end)
	}
	lsn, ok := b.BeginXlog()
	seg, off, _ := walname.SegmentOf(1, lsn, b.XlogSegmentSize())
	if o, _ := b.BeginOffset(); !ok || seg.String() != b.BeginWAL() || int64(off) != o {
		t.Errorf("begin %v is not in %s at %d", lsn, b.BeginWAL(), o)
	}
	ts := b.Tablespaces()
	if len(ts) != 1 || ts[0].Name != "tbs1" || ts[0].OID == 0 || !strings.HasPrefix(ts[0].Location, "/") {
		t.Errorf("tablespaces %+v", ts)
	}
	if !strings.HasPrefix(b.BackupLabel(), "START WAL LOCATION: ") || !strings.HasSuffix(b.BackupLabel(), "\n") {
		t.Errorf("backup label %q", b.BackupLabel())
	}
	if v, ok := b.CopyStats().Get("copy_time"); !ok || v.(PyFloat) <= 0 {
		t.Errorf("copy_stats %s", PyRepr(b.CopyStats()))
	}
	if s, ok := b.Size(); !ok || s < 1<<20 || b.SystemID() == "" || b.PGData() == "" {
		t.Errorf("size %d systemid %q pgdata %q", s, b.SystemID(), b.PGData())
	}
}
