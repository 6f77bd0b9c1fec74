package barman

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/backups"
	"github.com/gobarman/barman/pkg/cli/clikit"
	"github.com/gobarman/barman/pkg/stream"
)

// VerifyBackupCmd is `barman verify-backup SERVER BACKUP_ID` (alias verify).
type VerifyBackupCmd struct {
	Server string `arg:"" help:"Server name."`
	ID     string `arg:"" name:"backup_id" help:"Backup ID, name, or latest, oldest, last-failed."`
}

// Run re-reads every file of the backup and compares it with the
// manifest written during the copy.
func (c *VerifyBackupCmd) Run(env *Env) error {
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	l := archive.LayoutOf(env.Cfg, servers[0])
	cat, err := backups.Load(l)
	if err != nil {
		return err
	}
	b, err := cat.Resolve(c.ID)
	if err != nil {
		return err
	}
	dir := l.BackupPath(b.ID)
	f, err := os.Open(filepath.Join(dir, ManifestFile))
	if err != nil {
		return clikit.WithHint(fmt.Errorf("backup %s has no manifest: %w", b.ID, err), "backups taken by Barman itself have none; only backups taken by this barman can be verified")
	}
	defer f.Close()
	checked, bad := 0, 0
	r := stream.NewReader(f, f.Name())
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		bf, ok := rec.(*stream.BackupFile)
		if !ok || bf.Kind != stream.FileRegular {
			continue
		}
		checked++
		if msg := verifyFile(filepath.Join(dir, filepath.FromSlash(bf.Path)), bf); msg != "" {
			bad++
			env.Out.Error("%s: %s", bf.Path, msg)
		}
	}
	env.Out.Result(servers[0].Name, map[string]any{"backup_id": b.ID, "files": checked, "failed": bad})
	if bad > 0 {
		return fmt.Errorf("backup %s: %d of %d files differ from the manifest", b.ID, bad, checked)
	}
	env.Out.Info("Backup %s of server %s: %d files match the manifest", b.ID, servers[0].Name, checked)
	return nil
}

func verifyFile(path string, bf *stream.BackupFile) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return err.Error()
	}
	if n != bf.Size {
		return fmt.Sprintf("size %d, manifest says %d", n, bf.Size)
	}
	if sum := "sha256:" + hex.EncodeToString(h.Sum(nil)); bf.Checksum != "" && sum != bf.Checksum {
		return "checksum mismatch: the file was changed or damaged after the backup"
	}
	return ""
}
