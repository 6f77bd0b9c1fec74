package clitest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/gobarman/barman/internal/pgtest"
	"github.com/gobarman/barman/pkg/catalog"
	"github.com/gobarman/barman/pkg/lock"
)

func lastBackup(t *testing.T, home string) *catalog.BackupInfo {
	t.Helper()
	backups, err := catalog.NewLayout(home, "main", catalog.Dirs{}).ListBackups()
	if err != nil || len(backups) == 0 {
		t.Fatalf("no backup: %v", err)
	}
	return backups[len(backups)-1]
}

// Faults around `barman backup` (rsync method over the test sshd).
func TestBackupFaults(t *testing.T) {
	s := newWALSite(t, "immediate_checkpoint = true")
	incoming := filepath.Join(s.home, "main", "incoming")
	pg := pgtest.StartPostgres(t, pgtest.Options{ArchiveCommand: "cp %p " + incoming + "/%f"})
	pg.Pgbench(t, "-i", "-s", "1", "-q")
	sshd := pgtest.StartSSHD(t)
	s = rewriteConninfo(t, s, pg)
	ssh := sshd.ToPostgres(pg)
	appendConf(t, s.conf, "ssh_command = "+ssh)
	run(t, "barman", "-c", s.conf, "switch-wal", "--force", "--archive", "main")

	t.Run("unreadable file", func(t *testing.T) {
		secret := filepath.Join(pg.DataDir, "secret.conf")
		os.WriteFile(secret, []byte("x"), 0o600) // root's: the PostgreSQL user cannot read it
		defer os.Remove(secret)
		_, errOut, code := run(t, "barman", "-c", s.conf, "backup", "main")
		if code == 0 || !strings.Contains(errOut, "secret.conf") || !strings.Contains(errOut, "Permission denied") {
			t.Errorf("exit %d: %s", code, errOut)
		}
		b := lastBackup(t, s.home)
		if b.Status() != catalog.StatusFailed || !strings.Contains(b.ErrorMessage(), "Permission denied") {
			t.Errorf("status %s error %q", b.Status(), b.ErrorMessage())
		}
	})

	t.Run("killed during the copy", func(t *testing.T) {
		g := pgtest.NewGate(t)
		bg := startBarman(t, gatedConf(t, s.conf, ssh, g), "backup", "-j", "1", "main")
		g.Wait(t, bg.done) // pg_backup_start returned, the copy's tar is held
		bg.cmd.Process.Signal(syscall.SIGKILL)
		<-bg.done
		killed := lastBackup(t, s.home)
		if killed.Status() != catalog.StatusStarted {
			t.Fatalf("backup killed during the copy is %s, want STARTED", killed.Status())
		}
		// The next backup works, and marks the killed one FAILED.
		out, errOut, code := run(t, "barman", "-c", s.conf, "backup", "--wait", "--wait-timeout", "60", "main")
		if code != 0 {
			t.Fatalf("backup after a kill: exit %d\n%s%s", code, out, errOut)
		}
		b, _ := catalog.NewLayout(s.home, "main", catalog.Dirs{}).ReadBackupInfo(killed.ID)
		if b.Status() != catalog.StatusFailed {
			t.Errorf("killed backup left %s", b.Status())
		}
		if st := lastBackup(t, s.home).Status(); st != catalog.StatusDone {
			t.Errorf("new backup %s", st)
		}
	})

	t.Run("second backup while one runs", func(t *testing.T) {
		// Hold the backup lock the way a running backup does.
		lk, err := lock.Acquire(context.Background(), lock.File(s.home, "main", "backup"), "backup", 0)
		if err != nil {
			t.Fatal(err)
		}
		defer lk.Unlock()
		_, errOut, code := run(t, "barman", "-c", s.conf, "backup", "main")
		if code == 0 || !strings.Contains(errOut, "another backup process is running") || !strings.Contains(errOut, fmt.Sprintf("locked by pid %d (backup)", os.Getpid())) {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})

	t.Run("ssh fails", func(t *testing.T) {
		bad := filepath.Join(filepath.Dir(s.conf), "badssh.conf")
		data, _ := os.ReadFile(s.conf)
		os.WriteFile(bad, []byte(strings.Replace(string(data), "ssh_command = ssh", "ssh_command = ssh -o ConnectTimeout=2 -p 1", 1)), 0o644)
		_, errOut, code := run(t, "barman", "-c", bad, "backup", "main")
		if code == 0 || !strings.Contains(errOut, "impossible to start the backup") || !strings.Contains(errOut, "ssh") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})

	t.Run("system identifier changed", func(t *testing.T) {
		id := filepath.Join(s.home, "main", "identity.json")
		orig, _ := os.ReadFile(id)
		defer os.WriteFile(id, orig, 0o644)
		os.WriteFile(id, []byte(`{"systemid": "1", "version": "15"}`), 0o644)
		_, errOut, code := run(t, "barman", "-c", s.conf, "backup", "main")
		if code == 0 || !strings.Contains(errOut, "systemid coherence") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})

	t.Run("barman_home full", func(t *testing.T) {
		if os.Geteuid() != 0 {
			pgtest.Unavailable(t, "mounting a small tmpfs needs root")
		}
		mnt := pgtest.TempDir(t)
		if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=4m"); err != nil {
			pgtest.Unavailable(t, "cannot mount a tmpfs: %v", err)
		}
		defer syscall.Unmount(mnt, syscall.MNT_DETACH)
		full := filepath.Join(filepath.Dir(s.conf), "full.conf")
		data, _ := os.ReadFile(s.conf)
		os.WriteFile(full, []byte(string(data)+"basebackups_directory = "+mnt+"\n"), 0o644)
		_, errOut, code := run(t, "barman", "-c", full, "backup", "main")
		if code == 0 || !strings.Contains(errOut, "no space left on device") {
			t.Errorf("exit %d: %s", code, errOut)
		}
	})

	t.Run("server stops mid-backup", func(t *testing.T) {
		g := pgtest.NewGate(t)
		bg := startBarman(t, gatedConf(t, s.conf, ssh, g), "backup", "-j", "1", "main")
		g.Wait(t, bg.done) // pg_backup_start returned, the copy's tar is held
		pg.Stop(t)
		defer pg.Start(t)
		g.Open()
		<-bg.done
		b := lastBackup(t, s.home)
		if bg.err == nil || b.Status() != catalog.StatusFailed {
			t.Errorf("backup across a server stop: %v, status %s: %s", bg.err, b.Status(), bg.stderr.String())
		}
	})
}

// background is a barman command running in the background.
type background struct {
	cmd    *exec.Cmd
	stderr strings.Builder
	done   chan struct{} // closed when it has ended; then err is its result
	err    error
}

func startBarman(t *testing.T, conf string, args ...string) *background {
	t.Helper()
	bg := &background{cmd: exec.Command("barman", append([]string{"-c", conf}, args...)...), done: make(chan struct{})}
	bg.cmd.Stderr = &bg.stderr
	if err := bg.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { bg.err = bg.cmd.Wait(); close(bg.done) }()
	t.Cleanup(func() { bg.cmd.Process.Kill(); <-bg.done })
	return bg
}

// gatedConf writes a copy of conf whose ssh_command (ssh) goes through g,
// which holds the first tar of a backup's copy, and returns its path.
func gatedConf(t *testing.T, conf, ssh string, g *pgtest.Gate) string {
	t.Helper()
	data, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "ssh_command = "+ssh+"\n", "ssh_command = "+g.Wrap(t, ssh, "tar -cf")+"\n", 1)
	if text == string(data) {
		t.Fatalf("no ssh_command = %s in %s", ssh, conf)
	}
	gated := filepath.Join(filepath.Dir(conf), "gated.conf")
	if err := os.WriteFile(gated, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return gated
}
