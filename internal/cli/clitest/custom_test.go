package clitest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/stream"
)

// A custom filter whose output starts with no magic number barman knows:
// only xlog.db says that the archived files are compressed.
const (
	customCompress   = "printf XYZW && gzip -c"
	customDecompress = "tail -c +5 | gzip -dc"
)

// TestCustomCompression: with compression = custom and a filter whose
// output has no known magic, every reader of the archive decompresses
// what xlog.db records as custom with custom_decompression_filter:
// get-wal (directly and through barman-wal-ingest pull), recover (the
// recovered server starts with exactly the rows at the target), the
// duplicate check of a re-archived segment, barman-wal-compress. check
// fails when custom_decompression_filter is missing, and so does get-wal,
// saying what to set.
func TestCustomCompression(t *testing.T) {
	t.Parallel() // with the other long tests: the suite leaves a core idle half the time
	h := newHistory(t, "backup_method = postgres\nimmediate_checkpoint = true\ncompression = custom\n"+
		"custom_compression_filter = "+customCompress+"\ncustom_decompression_filter = "+customDecompress)
	l := catalog.NewLayout(h.s.home, "main", catalog.Dirs{})
	segs := customSegments(t, l)

	t.Run("get-wal", func(t *testing.T) { customGetWAL(t, h, l, segs) })
	t.Run("pull", func(t *testing.T) { customPull(t, h, l, segs[len(segs)-1]) })
	t.Run("recover", func(t *testing.T) {
		rows, out, pg := h.recoverAndStart(t, "--target-time", h.time, "--target-action", "promote")
		if rows != h.upTo("before_time") {
			t.Errorf("rows after recovery: %s, want %s\n%s", rows, h.upTo("before_time"), out)
		}
		pg.Stop(t)
	})
	t.Run("check-backup and verify-backup", func(t *testing.T) {
		for _, cmd := range []string{"check-backup", "verify-backup"} {
			if out, errOut, code := run(t, "barman", "-c", h.s.conf, cmd, "main", h.id); code != 0 {
				t.Errorf("%s: exit %d:\n%s%s", cmd, code, out, errOut)
			}
		}
	})
	t.Run("re-archived segment", func(t *testing.T) { customRearchive(t, h, l, segs) })
	t.Run("barman-wal-compress", func(t *testing.T) { customWALCompress(t, h, l, segs[len(segs)-1]) })
	t.Run("check", func(t *testing.T) {
		out, _, _ := run(t, "barman", "-c", h.s.conf, "check", "main")
		wantCheck(t, parseCheck(t, out), "compression settings", "OK")
	})
	t.Run("no custom_decompression_filter", func(t *testing.T) { customNoFilter(t, h, l, segs[0]) })
}

// customSegments returns the segments xlog.db lists, checking that each
// is recorded as custom and starts with the filter's prefix.
func customSegments(t *testing.T, l *catalog.Layout) []string {
	t.Helper()
	entries, err := l.ReadXlogDB()
	if err != nil {
		t.Fatal(err)
	}
	var segs []string
	for _, e := range entries {
		if !walIsSegment(e.Name) {
			continue
		}
		segs = append(segs, e.Name)
		if e.Compression != compress.Custom {
			t.Errorf("xlog.db: %s compression %q, want custom", e.Name, e.Compression)
		}
		if head := readHead(t, l.WALPath(e.Name), 4); head != "XYZW" {
			t.Errorf("%s starts with %q, not the filter's XYZW", e.Name, head)
		}
	}
	if len(segs) < 4 {
		t.Fatalf("only %d segments archived", len(segs))
	}
	return segs
}

func readHead(t *testing.T, p string, n int) string {
	t.Helper()
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data[:min(n, len(data))])
}

// unfilter decompresses an archived file with the filter by hand (the
// get-wal test checks that this gives pg_wal's segments).
func unfilter(t *testing.T, p string) []byte {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", customDecompress)
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdin = f
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s < %s: %v", customDecompress, p, err)
	}
	return out
}

// customGetWAL: get-wal gives each archived segment back as PostgreSQL
// wrote it (compared with pg_wal where the segment is still there, and
// with the filter run by hand).
func customGetWAL(t *testing.T, h *history, l *catalog.Layout, segs []string) {
	inPGWAL := 0
	for _, n := range segs {
		out, errOut, code := runOut(t, "barman", "-c", h.s.conf, "get-wal", "main", n)
		if code != 0 || len(out) != 16<<20 {
			t.Errorf("get-wal %s: exit %d, %d bytes: %s", n, code, len(out), errOut)
			continue
		}
		if !bytes.Equal(out, unfilter(t, l.WALPath(n))) {
			t.Errorf("get-wal %s differs from the archived file decompressed by hand", n)
		}
		orig, err := os.ReadFile(filepath.Join(h.pg.DataDir, "pg_wal", n))
		if err != nil {
			continue // recycled by a checkpoint
		}
		inPGWAL++
		if !bytes.Equal(out, orig) {
			t.Errorf("get-wal %s differs from pg_wal's", n)
		}
	}
	if inPGWAL == 0 {
		t.Errorf("none of the %d segments is still in pg_wal to compare with", len(segs))
	}
}

// customPull: barman-wal-ingest pull (restore_command on the PostgreSQL
// host) gets the segment through ssh and get-wal.
func customPull(t *testing.T, h *history, l *catalog.Layout, seg string) {
	tools := toolsFor(t)
	sshd := pgtest.StartSSHD(t)
	dest := filepath.Join(pgtest.TempDir(t), seg)
	out, errOut, code := run(t, "barman-wal-ingest", "pull", "--ssh", sshd.CommandAs(currentUser(t)),
		"--remote-barman", filepath.Join(tools, "barman"), "--remote-config", h.s.conf, "main", seg, dest)
	if code != 0 {
		t.Fatalf("pull %s: exit %d:\n%s%s", seg, code, out, errOut)
	}
	got, _ := os.ReadFile(dest)
	if want := unfilter(t, l.WALPath(seg)); !bytes.Equal(got, want) {
		t.Errorf("pull %s: %d bytes, not the %d of the segment", seg, len(got), len(want))
	}
}

// customRearchive: PostgreSQL archiving a segment again (after a crash,
// say) is an identical duplicate, dropped; not a different content kept
// aside in errors/.
func customRearchive(t *testing.T, h *history, l *catalog.Layout, segs []string) {
	seg := segs[len(segs)-1]
	orig := unfilter(t, l.WALPath(seg))
	if err := os.WriteFile(filepath.Join(l.IncomingDir(), seg), orig, 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "barman", "-c", h.s.conf, "archive-wal", "main")
	if code != 0 {
		t.Errorf("archive-wal of a re-archived segment: exit %d:\n%s%s", code, out, errOut)
	}
	if ents, _ := os.ReadDir(l.ErrorsDir()); len(ents) != 0 {
		t.Errorf("the identical segment was kept aside in errors/: %v\n%s%s", ents[0].Name(), out, errOut)
	}
	if _, err := os.Stat(filepath.Join(l.IncomingDir(), seg)); err == nil {
		t.Errorf("%s left in incoming/", seg)
	}
}

// customWALCompress: barman-wal-compress -d with the filter gives the WAL
// back, and record mode finds an archived file identical to its source.
func customWALCompress(t *testing.T, h *history, l *catalog.Layout, seg string) {
	orig := unfilter(t, l.WALPath(seg))
	cmd := exec.Command("barman-wal-compress", "-d", "-c", "custom", "--custom-decompression-filter", customDecompress)
	f, err := os.Open(l.WALPath(seg))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Stdin = f
	if out, err := cmd.Output(); err != nil || !bytes.Equal(out, orig) {
		t.Errorf("barman-wal-compress -d: %v, %d bytes (want %d)", err, len(out), len(orig))
	}

	src := filepath.Join(pgtest.TempDir(t), seg)
	os.WriteFile(src, orig, 0o600)
	var in bytes.Buffer
	stream.NewWriter(&in).Write(&stream.WALFile{Server: "main", Name: seg, Kind: stream.KindSegment,
		Status: stream.StatusNew, Size: int64(len(orig)), Path: src, Dest: l.WALPath(seg)})
	cmd = exec.Command("barman-wal-compress", "--records", "-c", "custom",
		"--custom-compression-filter", customCompress, "--custom-decompression-filter", customDecompress)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), `"compression":"custom"`) {
		t.Errorf("barman-wal-compress --records on an archived segment: %v\n%s%s", err, out, stderr.String())
	}
}

// customNoFilter: without custom_decompression_filter, check fails and
// get-wal refuses, naming the file, the server and the option to set,
// instead of handing out compressed bytes.
func customNoFilter(t *testing.T, h *history, l *catalog.Layout, seg string) {
	setOptions(t, h.s.conf, "custom_decompression_filter =")
	defer setOptions(t, h.s.conf, "custom_decompression_filter = "+customDecompress)
	out, _, code := run(t, "barman", "-c", h.s.conf, "check", "main")
	if code == 0 {
		t.Errorf("check passes without custom_decompression_filter:\n%s", out)
	}
	wantCheck(t, parseCheck(t, out), "compression settings", "FAILED custom_decompression_filter setting")
	got, errOut, code := runOut(t, "barman", "-c", h.s.conf, "get-wal", "main", seg)
	if code == 0 || len(got) != 0 {
		t.Errorf("get-wal without custom_decompression_filter: exit %d, %d bytes", code, len(got))
	}
	for _, want := range []string{l.WALPath(seg), "server main", "hint: set custom_decompression_filter"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("get-wal's error does not say %q:\n%s", want, errOut)
		}
	}
}
