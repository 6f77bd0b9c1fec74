package stream

import (
	"bytes"
	"flag"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/v1.jsonl from the writer's output")

const golden = "testdata/v1.jsonl"

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

const (
	sum6  = "sha256:3b2f8a1c6d0e5f4a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a"
	sumPV = "sha256:c8a7e1f0b9d2a3c4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8"
)

// samples holds one or more records of every type, as in testdata/v1.jsonl
// and the examples of man/barman-stream.5.md.
func samples() []Record {
	return []Record{
		&WALFile{Server: "main", Name: "000000010000000000000006", Kind: KindSegment, Timeline: 1,
			Status: StatusNew, Size: 16777216, MTime: at("2026-11-25T13:16:41.157719Z"),
			Checksum: sum6, Path: "/var/lib/barman/main/incoming/000000010000000000000006"},
		&WALFile{Server: "main", Name: "000000010000000000000006", Kind: KindSegment, Timeline: 1,
			Status: StatusArchived, Size: 16514, OriginalSize: 16777216, MTime: at("2026-11-25T13:16:41.157719Z"),
			Compression: "gzip", Checksum: sum6,
			Path: "/var/lib/barman/main/incoming/000000010000000000000006",
			Dest: "/var/lib/barman/main/wals/0000000100000000/000000010000000000000006"},
		&WALFile{Server: "main", Name: "000000010000000000000006.00000028.backup", Kind: KindBackupLabel,
			Timeline: 1, Status: StatusNew, Size: 243, MTime: at("2026-11-25T13:16:41.203052Z"),
			Path: "/var/lib/barman/main/incoming/000000010000000000000006.00000028.backup"},
		&WALFile{Server: "main", Name: "00000002.history", Kind: KindHistory, Timeline: 2,
			Status: StatusNew, Size: 84, MTime: at("2026-11-25T13:19:39Z"),
			Path: "/var/lib/barman/main/incoming/00000002.history"},
		&WALFile{Server: "main", Name: "caf\xe9.wal", Status: StatusRejected, Size: 5,
			MTime: at("2026-11-25T13:17:00Z"),
			Path:  "/var/lib/barman/main/incoming/caf\xe9.wal",
			Dest:  "/var/lib/barman/main/errors/caf\xe9.wal.20261125T131700Z.unknown"},
		&Error{Server: "main", Stage: "wal-ingest", Code: CodeUnknown,
			Message: "not a WAL file name: moved to the errors directory",
			Hint:    "remove it from the errors directory once checked",
			Name:    "caf\xe9.wal", Path: "/var/lib/barman/main/errors/caf\xe9.wal.20261125T131700Z.unknown"},
		&Error{Server: "main", Stage: "wal-ingest", Code: CodeDuplicate,
			Message: "000000010000000000000009 is already archived with a different content",
			Hint:    "compare it with the archived copy, then remove it from the errors directory",
			Name:    "000000010000000000000009",
			Path:    "/var/lib/barman/main/errors/000000010000000000000009.20261125T131700Z.duplicate"},
		&BackupFile{Server: "main", BackupID: "20261125T131640", Path: "data", Kind: FileDir,
			Size: 4096, MTime: at("2026-11-25T13:16:40Z"), Mode: 0o700},
		&BackupFile{Server: "main", BackupID: "20261125T131640", Path: "data/PG_VERSION", Kind: FileRegular,
			Size: 3, MTime: at("2026-11-20T09:00:01.5Z"), Mode: 0o600, Checksum: sumPV},
		&BackupFile{Server: "main", BackupID: "20261125T131640", Path: "data/pg_tblspc/16384", Kind: FileSymlink,
			Size: 16, MTime: at("2026-11-20T09:05:00Z"), Mode: 0o777, Link: "/srv/tblspc/tbs1"},
		&BackupFile{Server: "main", BackupID: "20261125T131640", Path: "16384/PG_15_202209061/5/16385",
			Kind: FileRegular, Tablespace: "tbs1", TablespaceOID: 16384, Size: 8192,
			MTime: at("2026-11-25T13:10:12.25Z"), Mode: 0o600},
		&Progress{Server: "main", Stage: "basebackup", DoneFiles: 600, TotalFiles: 1234,
			DoneBytes: 15000000, TotalBytes: 31822285, BytesPerSecond: 12500000, ETASeconds: 1.35,
			Time: at("2026-11-25T13:16:41.2Z")},
		&BackupSummary{Server: "main", BackupID: "20261125T131640", BackupName: "first", Status: "DONE",
			Mode: "postgres", Timeline: 1, BeginLSN: "0/6000028", EndLSN: "0/7000000",
			BeginWAL: "000000010000000000000006", EndWAL: "000000010000000000000006",
			BeginTime: at("2026-11-25T13:16:41.007953Z"), EndTime: at("2026-11-25T13:16:42.20418Z"),
			Size: 31822285, Files: 1234},
		&BackupSummary{Server: "main", BackupID: "20261125T131700", Status: "FAILED", Mode: "rsync-concurrent",
			BeginTime: at("2026-11-25T13:17:00Z"), Size: 0, Files: 0,
			Error: "failure starting backup (pre_backup_retry_script exit 63)"},
		&Summary{Server: "main", Stage: "wal-ingest", Files: 5, Bytes: 33554764, Errors: 2,
			Statuses: map[string]int64{"new": 3, "rejected": 1, "duplicate": 1}, ElapsedSeconds: 0.84,
			ExitStatus: 1},
	}
}

func writeAll(t *testing.T, recs []Record) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf)
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatalf("write %s: %v", r.Type(), err)
		}
	}
	return buf.Bytes()
}

func readAll(t *testing.T, in []byte) []Record {
	t.Helper()
	r := NewReader(bytes.NewReader(in), "test")
	var recs []Record
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return recs
		}
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
}

func TestGolden(t *testing.T) {
	got := writeAll(t, samples())
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("writer output differs from %s (go test -run TestGolden -update):\n%s", golden, got)
	}
	if back := readAll(t, want); !reflect.DeepEqual(back, samples()) {
		t.Errorf("reading %s back:\n got %#v\nwant %#v", golden, back, samples())
	}
}

func TestEveryTypeHasASample(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range samples() {
		seen[r.Type()] = true
	}
	for typ := range registry {
		if !seen[typ] {
			t.Errorf("record type %q has no sample: add one to samples()", typ)
		}
	}
}

func TestHeaderFirst(t *testing.T) {
	for _, r := range append(samples(), &Error{}, &Summary{}) {
		line, err := Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		prefix := `{"type":"` + r.Type() + `","v":1`
		if !strings.HasPrefix(string(line), prefix) || bytes.ContainsAny(line, "\n") {
			t.Errorf("%s", line)
		}
	}
}

func TestRoundTripEveryType(t *testing.T) {
	for _, want := range samples() {
		line, err := Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Unmarshal(line)
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\n got %#v\nwant %#v", line, got, want)
		}
	}
}

func TestTimesAreUTC(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	rec := &Progress{Stage: "x", Time: time.Date(2026, 11, 25, 14, 16, 41, 500000000, paris)}
	line, _ := Marshal(rec)
	if !strings.Contains(string(line), `"time":"2026-11-25T13:16:41.5Z"`) {
		t.Errorf("not UTC: %s", line)
	}
	if rec.Time.Location() != paris {
		t.Error("Marshal changed its argument")
	}
	got, err := Unmarshal([]byte(`{"type":"progress","stage":"x","time":"2026-11-25T14:16:41+01:00"}`))
	if err != nil {
		t.Fatal(err)
	}
	if tm := got.(*Progress).Time; tm.Location() != time.UTC || tm.Hour() != 13 {
		t.Errorf("read %v, want 13:16:41 UTC", tm)
	}
}

func TestNonUTF8RoundTrip(t *testing.T) {
	names := []string{"caf\xe9", "\xff\xfe", "ok/\x80/x", "\xed\xa0\x80"} // last: a surrogate
	for _, n := range names {
		rec := &BackupFile{Path: n, Kind: FileSymlink, Link: "../" + n}
		line, err := Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(line), `"path":`) || !strings.Contains(string(line), `"path_b64":`) {
			t.Errorf("%q: %s", n, line)
		}
		got, err := Unmarshal(line)
		if err != nil || !reflect.DeepEqual(got, rec) {
			t.Errorf("%q: got %#v, %v", n, got, err)
		}
	}
}

func TestTwinWinsAndIsChecked(t *testing.T) {
	got, err := Unmarshal([]byte(`{"type":"error","v":1,"message":"m","path":"wrong","path_b64":"Y2Fm6Q=="}`))
	if err != nil || got.(*Error).Path != "caf\xe9" {
		t.Errorf("got %#v, %v", got, err)
	}
	_, err = Unmarshal([]byte(`{"type":"error","v":1,"message":"m","path_b64":"not base64!"}`))
	if err == nil || !strings.Contains(err.Error(), "path_b64") {
		t.Errorf("bad base64 accepted: %v", err)
	}
}

func TestMarshalErrors(t *testing.T) {
	var nilRec *WALFile
	for _, r := range []Record{nil, nilRec, &Progress{BytesPerSecond: posInf()},
		&BackupFile{Mode: 0o10000}, &Unknown{Name: "x", Raw: []byte(`[1]`)}} {
		if line, err := Marshal(r); err == nil {
			t.Errorf("%#v: no error, wrote %s", r, line)
		}
	}
}

func posInf() float64 { z := 0.0; return 1 / z }
