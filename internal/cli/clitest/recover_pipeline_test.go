package clitest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
)

// configured are the entries of PGDATA that recovery configures after the
// copy: the recovery settings, the copies of the originals, the signal
// files and the WAL it prepared.
var configured = []string{"postgresql.conf", "postgresql.auto.conf", "postgresql.conf.origin", "postgresql.auto.conf.origin",
	"recovery.signal", "standby.signal", "barman_wal"}

// recoverPipeline is the shell pipeline of man/barman-restore.1.md that
// does what barman recover does, with the man page's names: the copy by
// barman-restore (RECORDS: the manifest on standard input, or
// --from-backup), the WAL by barman get-wal, the recovery settings
// ($TARGET) by hand.
const recoverPipeline = `set -e
barman-restore -s "$B" -d "$DEST" -t tbs1:"$TBS" -q RECORDS > "$WORK/restore.jsonl"
mkdir "$DEST/barman_wal"
for w in $(barman -c "$CONF" list-files --target wal main "$ID"); do
  barman -c "$CONF" get-wal main "${w##*/}" > "$DEST/barman_wal/${w##*/}"
done
cat >> "$DEST/postgresql.auto.conf" <<END
restore_command = 'cp $DEST/barman_wal/%f %p'
recovery_end_command = 'rm -fr $DEST/barman_wal'
$TARGET
recovery_target_action = 'promote'
archive_command = false
END
touch "$DEST/recovery.signal"
`

// pipeline: barman recover to a restore point rebuilt as the shell
// pipeline of the man page gives the same files as barman recover, except
// those recovery configures; the server it gives starts with exactly the
// rows up to the restore point, its tablespace where it was put.
func (h *history) pipeline(t *testing.T) {
	h.comparePipeline(t, h.id, `< "$B/manifest.jsonl"`, []string{"--target-name", "rp1"}, "recovery_target_name = 'rp1'", h.upTo("before_rp"))
}

// pipelineBarman34: the same for the backup Barman 3.4 took (no
// manifest: barman-restore --from-backup lists its files as recover
// does), recovered to the end of the backup.
func (h *history) pipelineBarman34(t *testing.T) {
	l := catalog.NewLayout(h.s.home, "main", catalog.Dirs{})
	bs, err := l.ListBackups()
	if err != nil {
		t.Fatal(err)
	}
	id := ""
	for _, b := range bs {
		if _, err := os.Stat(filepath.Join(l.BackupPath(b.ID), "manifest.jsonl")); errors.Is(err, fs.ErrNotExist) {
			id = b.ID
		}
	}
	if id == "" {
		t.Fatal("no backup without a manifest: the barman 3.4 backup subtest took none")
	}
	h.comparePipeline(t, id, "--from-backup", []string{"--target-immediate"}, "recovery_target = 'immediate'", h.upTo("end"))
}

// comparePipeline recovers backup id with barman recover (target: the
// recover options) and with the pipeline (records: how barman-restore
// reads them; settings: the target's), compares the trees, starts the
// pipeline's server and checks its rows.
func (h *history) comparePipeline(t *testing.T, id, records string, target []string, settings, wantRows string) {
	t.Helper()
	root := pgtest.TempDir(t)
	recDest, recTbs := filepath.Join(root, "recover"), filepath.Join(root, "recover_tbs1")
	pipeDest, pipeTbs := filepath.Join(root, "pipe"), filepath.Join(root, "pipe_tbs1")
	args := append([]string{"-c", h.s.conf, "recover", "--tablespace", "tbs1:" + recTbs, "--target-action", "promote"}, target...)
	out, errOut, code := run(t, "barman", append(args, "main", id, recDest)...)
	if code != 0 {
		t.Fatalf("recover: exit %d:\n%s%s", code, out, errOut)
	}
	cmd := exec.Command("/bin/sh", "-c", strings.Replace(recoverPipeline, "RECORDS", records, 1))
	cmd.Env = append(os.Environ(), "B="+filepath.Join(h.s.home, "main", "base", id), "DEST="+pipeDest, "TBS="+pipeTbs,
		"CONF="+h.s.conf, "ID="+id, "WORK="+root, "TARGET="+settings)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the pipeline: %v\n%s", err, b)
	}
	restored, _ := os.ReadFile(filepath.Join(root, "restore.jsonl"))
	if !strings.Contains(string(restored), `"type":"summary"`) || strings.Contains(string(restored), `"type":"error"`) {
		t.Errorf("barman-restore's records:\n%s", restored)
	}
	compareTrees(t, treeOf(t, recDest, recTbs), treeOf(t, pipeDest, pipeTbs))
	compareTrees(t, treeOf(t, recTbs, recTbs), treeOf(t, pipeTbs, pipeTbs))

	pgtest.ChownToOSUser(t, pipeDest, pipeTbs)
	pg := pgtest.StartExisting(t, pipeDest, pgtest.Options{})
	waitPromoted(t, pg)
	if rows := pg.SQL(t, "SELECT string_agg(tag, ',' ORDER BY at) FROM marks"); rows != wantRows {
		t.Errorf("rows after the pipeline: %s, want %s", rows, wantRows)
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
