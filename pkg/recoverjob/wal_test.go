package recoverjob

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/report"
	"github.com/gobarman/barman/pkg/server"
	"github.com/gobarman/barman/pkg/walfile"
)

const testSysID = 7712131381569798051 // backupInfo's systemid

// segment returns a synthetic segment of cluster sysid named name (its
// segment name for a .partial file).
func segment(t *testing.T, name string, sysid uint64, seed byte) []byte {
	t.Helper()
	data, err := walfile.Synthetic(strings.TrimSuffix(name, ".partial"), sysid, 16<<20, seed)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// archiveSegments puts segments into wals/ and xlog.db, as archive-wal.
func archiveSegments(t *testing.T, s *server.Server, names ...string) {
	t.Helper()
	for _, n := range names {
		p := s.Layout.WALPath(n)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, segment(t, n, testSysID, 1), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := catalog.AppendXlogDB(s.Layout.XlogDBPath(), catalog.WALEntry{Name: n, Size: 16 << 20, Time: 1764072000}); err != nil {
			t.Fatal(err)
		}
	}
}

// streamFile writes a file into the streaming directory.
func streamFile(t *testing.T, s *server.Server, name string, data []byte) {
	t.Helper()
	os.MkdirAll(s.Layout.StreamingDir(), 0o700)
	if err := os.WriteFile(filepath.Join(s.Layout.StreamingDir(), name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRunStreamedWAL: the backup's WAL is archived (6, 7), then segment 8
// was streamed and not archived yet, and 9 is being received: a recovery
// to the end reads all four, delivers the partial as segment 9, and
// recovers through restore_command so that the server takes a new
// timeline at the end of the WAL. It says so, in the summary and the
// JSON.
func TestRunStreamedWAL(t *testing.T) {
	s := newServer(t)
	archiveSegments(t, s, "000000010000000000000006", "000000010000000000000007")
	streamFile(t, s, "000000010000000000000008", segment(t, "000000010000000000000008", testSysID, 2))
	partial := segment(t, "000000010000000000000009", testSysID, 3)
	streamFile(t, s, "000000010000000000000009.partial", partial)
	dest := filepath.Join(t.TempDir(), "pgdata")
	var rec report.Recorder
	res, err := New(s, nil, &rec, nil).Run(context.Background(), Options{BackupID: "latest", Dest: dest,
		Relocate: map[string]string{"tbs1": filepath.Join(t.TempDir(), "tbs1")}})
	if err != nil {
		t.Fatal(err)
	}
	w := res.WAL
	if strings.Join(w.Segments, " ") != "000000010000000000000006 000000010000000000000007 000000010000000000000008 000000010000000000000009" ||
		strings.Join(w.Streamed, " ") != "000000010000000000000008" || w.Partial != "000000010000000000000009.partial" {
		t.Fatalf("WAL prepared: %+v", w)
	}
	got, err := os.ReadFile(filepath.Join(dest, "barman_wal", "000000010000000000000009"))
	if err != nil || !bytes.Equal(got, partial) {
		t.Errorf("the partial segment was not delivered as 000000010000000000000009: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dest, "recovery.signal")); err != nil {
		t.Errorf("no archive recovery, so no new timeline at the end: %v", err)
	}
	if auto := readFile(t, filepath.Join(dest, "postgresql.auto.conf")); !strings.Contains(auto, "restore_command = 'cp ") {
		t.Errorf("no restore_command:\n%s", auto)
	}
	said := ""
	for _, m := range rec.Messages {
		said += m.Text + "\n"
	}
	partialPath := filepath.Join(s.Layout.StreamingDir(), "000000010000000000000009.partial")
	for _, want := range []string{"Using 1 WAL segments of " + s.Layout.StreamingDir() + " not archived yet (000000010000000000000008 to 000000010000000000000008)",
		"Using the partial WAL file " + partialPath + " as 000000010000000000000009"} {
		if !strings.Contains(said, want) {
			t.Errorf("no message %q in:\n%s", want, said)
		}
	}
	summary := strings.Join(res.Summary(), "\n")
	if !strings.Contains(summary, "  Partial WAL      : 000000010000000000000009.partial, received so far, delivered as 000000010000000000000009") ||
		!strings.Contains(summary, "  Streamed WAL     : 1 segments not archived yet") {
		t.Errorf("summary:\n%s", summary)
	}
	j := res.JSON()["wal"].(map[string]any)
	if j["partial"] != "000000010000000000000009.partial" || j["streamed_segments"] != 1 {
		t.Errorf("JSON wal %v", j)
	}
}

// TestRunForeignPartial: a .partial of another cluster in the streaming
// directory is not used: the recovery fails, naming the file.
func TestRunForeignPartial(t *testing.T) {
	s := newServer(t)
	archiveSegments(t, s, "000000010000000000000006", "000000010000000000000007")
	streamFile(t, s, "000000010000000000000008.partial", segment(t, "000000010000000000000008", 42, 2))
	dest := filepath.Join(t.TempDir(), "pgdata")
	_, err := New(s, nil, report.Discard, nil).Run(context.Background(), Options{BackupID: "latest", Dest: dest,
		Relocate: map[string]string{"tbs1": filepath.Join(t.TempDir(), "tbs1")}})
	p := filepath.Join(s.Layout.StreamingDir(), "000000010000000000000008.partial")
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "comes from the cluster with system identifier 42, not 7712131381569798051") {
		t.Fatalf("error %v, want one naming %s and its cluster", err, p)
	}
	if _, err := os.Stat(filepath.Join(dest, "barman_wal", "000000010000000000000008")); err == nil {
		t.Error("the foreign partial was delivered")
	}
}

// TestRunStandbyNoPartial: a standby follows complete segments only, as
// Barman's get-wal without -P: the partial segment is neither copied nor
// asked for by restore_command.
func TestRunStandbyNoPartial(t *testing.T) {
	s := newServer(t)
	archiveSegments(t, s, "000000010000000000000006", "000000010000000000000007")
	streamFile(t, s, "000000010000000000000008.partial", segment(t, "000000010000000000000008", testSysID, 2))
	relocate := map[string]string{"tbs1": filepath.Join(t.TempDir(), "tbs1")}
	res, err := New(s, nil, report.Discard, nil).Run(context.Background(), Options{BackupID: "latest", StandbyMode: true,
		Dest: filepath.Join(t.TempDir(), "pgdata"), Relocate: relocate})
	if err != nil {
		t.Fatal(err)
	}
	if res.WAL.Partial != "" || res.WAL.Last() != "000000010000000000000007" {
		t.Errorf("standby WAL: %+v", res.WAL)
	}
	yes := true
	res, err = New(s, nil, report.Discard, nil).Run(context.Background(), Options{BackupID: "latest", StandbyMode: true, GetWAL: &yes,
		BarmanPath: "/opt/barman", Dest: filepath.Join(t.TempDir(), "pgdata"), Relocate: map[string]string{"tbs1": filepath.Join(t.TempDir(), "tbs1")}})
	if err != nil {
		t.Fatal(err)
	}
	if want := "'/opt/barman' -c '" + s.Config.MainFile + "' get-wal 'pg' %f > %p"; res.RestoreCommand != want {
		t.Errorf("standby restore_command %q, want %q", res.RestoreCommand, want)
	}
}
