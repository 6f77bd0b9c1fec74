package archiving

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/server"
)

// TestArrivedBatchSizes: archiver_batch_size bounds incoming/ and
// streaming_archiver_batch_size bounds streaming/, each on its own.
func TestArrivedBatchSizes(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "barman.conf")
	text := "[barman]\nbarman_home = " + dir + "/home\n[pg]\nconninfo = host=pg\nstreaming_archiver = on\n" +
		"archiver_batch_size = 2\nstreaming_archiver_batch_size = 1\n"
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(cfg, cfg.Server("pg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{s.Layout.IncomingDir(), s.Layout.StreamingDir()} {
		os.MkdirAll(d, 0o700)
		for _, n := range []string{"000000010000000000000001", "000000010000000000000002", "000000010000000000000003", "000000010000000000000004.partial"} {
			os.WriteFile(filepath.Join(d, n), nil, 0o600)
		}
	}
	j := &Job{Server: s, Archive: s.Archive(nil)}
	got, err := j.arrived(ScanOptions{Source: "all", BatchSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	var streaming, incoming int
	for _, g := range got {
		switch filepath.Dir(g) {
		case s.Layout.StreamingDir():
			streaming++
		case s.Layout.IncomingDir():
			incoming++
		}
	}
	if streaming != 1 || incoming != 2 {
		t.Errorf("took %d from streaming/ and %d from incoming/, want 1 and 2: %v", streaming, incoming, got)
	}
}
