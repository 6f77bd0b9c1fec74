package clitest

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
)

// configured are the entries of PGDATA that recovery configures after the
// copy: the recovery settings, the copies of the originals, the signal
// files and the WAL it prepared.
var configured = []string{"postgresql.conf", "postgresql.auto.conf", "postgresql.conf.origin", "postgresql.auto.conf.origin",
	"recovery.signal", "standby.signal", "barman_wal"}

// recoverPipeline is the shell pipeline of man/barman-restore.1.md that
// does what barman recover does, with the man page's names: the copy by
// barman-restore, the WAL by barman get-wal, the recovery settings by hand.
const recoverPipeline = `set -e
barman-restore -s "$B" -d "$DEST" -t tbs1:"$TBS" -q < "$B/manifest.jsonl" > "$WORK/restore.jsonl"
mkdir "$DEST/barman_wal"
for w in $(barman -c "$CONF" list-files --target wal main "$ID"); do
  barman -c "$CONF" get-wal main "${w##*/}" > "$DEST/barman_wal/${w##*/}"
done
cat >> "$DEST/postgresql.auto.conf" <<END
restore_command = 'cp $DEST/barman_wal/%f %p'
recovery_end_command = 'rm -fr $DEST/barman_wal'
recovery_target_name = 'rp1'
recovery_target_action = 'promote'
archive_command = false
END
touch "$DEST/recovery.signal"
`

// pipeline: the copy part of barman recover rebuilt as the shell pipeline
// of the man page gives the same files as barman recover, except those
// recovery configures; the server it gives starts with exactly the rows up
// to the restore point, its tablespace where it was put.
func (h *history) pipeline(t *testing.T) {
	root := pgtest.TempDir(t)
	recDest, recTbs := filepath.Join(root, "recover"), filepath.Join(root, "recover_tbs1")
	pipeDest, pipeTbs := filepath.Join(root, "pipe"), filepath.Join(root, "pipe_tbs1")
	out, errOut, code := run(t, "barman", "-c", h.s.conf, "recover", "--tablespace", "tbs1:"+recTbs,
		"--target-name", "rp1", "--target-action", "promote", "main", h.id, recDest)
	if code != 0 {
		t.Fatalf("recover: exit %d:\n%s%s", code, out, errOut)
	}
	cmd := exec.Command("/bin/sh", "-c", recoverPipeline)
	cmd.Env = append(os.Environ(), "B="+filepath.Join(h.s.home, "main", "base", h.id), "DEST="+pipeDest, "TBS="+pipeTbs,
		"CONF="+h.s.conf, "ID="+h.id, "WORK="+root)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the pipeline: %v\n%s", err, b)
	}
	records, _ := os.ReadFile(filepath.Join(root, "restore.jsonl"))
	if !strings.Contains(string(records), `"type":"summary"`) || strings.Contains(string(records), `"type":"error"`) {
		t.Errorf("barman-restore's records:\n%s", records)
	}
	compareTrees(t, treeOf(t, recDest, recTbs), treeOf(t, pipeDest, pipeTbs))
	compareTrees(t, treeOf(t, recTbs, recTbs), treeOf(t, pipeTbs, pipeTbs))

	pgtest.ChownToOSUser(t, pipeDest, pipeTbs)
	pg := pgtest.StartExisting(t, pipeDest, pgtest.Options{})
	waitPromoted(t, pg)
	if rows := pg.SQL(t, "SELECT string_agg(tag, ',' ORDER BY at) FROM marks"); rows != h.upTo("before_rp") {
		t.Errorf("rows after the pipeline: %s, want %s", rows, h.upTo("before_rp"))
	}
	if loc := pg.SQL(t, "SELECT pg_tablespace_location(oid) FROM pg_tablespace WHERE spcname = 'tbs1'"); loc != pipeTbs {
		t.Errorf("tablespace tbs1 is in %q, want %q", loc, pipeTbs)
	}
	pg.Stop(t)
}

// treeOf describes every entry under dir but those recovery configures:
// type and permissions, and the content of a file (size, mtime, sha256)
// or the target of a link, with tbs written TBS.
func treeOf(t *testing.T, dir, tbs string) map[string]string {
	t.Helper()
	tree := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		for _, c := range configured {
			if rel == c && d.IsDir() {
				return filepath.SkipDir
			} else if rel == c {
				return nil
			}
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := info.Mode().String()
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			desc += " -> " + strings.ReplaceAll(link, tbs, "TBS")
		case info.Mode().IsRegular():
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			data = []byte(strings.ReplaceAll(string(data), tbs, "TBS"))
			desc += fmt.Sprintf(" %d bytes, mtime %s, sha256 %x", len(data), info.ModTime().UTC(), sha256.Sum256(data))
		}
		tree[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// compareTrees reports every entry that differs between the trees of
// barman recover and of the pipeline.
func compareTrees(t *testing.T, recovered, piped map[string]string) {
	t.Helper()
	if len(recovered) < 3 {
		t.Fatalf("barman recover wrote only %d entries: %v", len(recovered), recovered)
	}
	for p, want := range recovered {
		if got, ok := piped[p]; !ok {
			t.Errorf("%s: written by barman recover (%s), not by the pipeline", p, want)
		} else if got != want {
			t.Errorf("%s: pipeline %s, barman recover %s", p, got, want)
		}
	}
	for p, got := range piped {
		if _, ok := recovered[p]; !ok {
			t.Errorf("%s: written by the pipeline (%s), not by barman recover", p, got)
		}
	}
}
