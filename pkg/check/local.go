package check

import (
	"context"
	"fmt"
	"github.com/gobarman/barman/pkg/server"
	"os"
	"strings"
	"time"
)

// directories creates the server's directories when missing and proves each
// is writable by creating and removing a file in it.
func (c *checker) directories() {
	l := c.in.Server.Layout
	dirs := []string{c.in.Server.LockDir, l.BackupDir(), l.BaseBackupsDir(), l.WALsDir(), l.IncomingDir(), l.StreamingDir(), l.ErrorsDir()}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if err := writable(d); err != nil {
			c.fail("directories", fmt.Sprintf("%v: make it writable by the user barman runs as (barman_user), e.g. chown -R barman %s", err, d))
			return
		}
	}
	c.pass("directories", "")
}

func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s: %w", dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".barman-check-*")
	if err != nil {
		return fmt.Errorf("cannot write into %s: %w", dir, unwrapPath(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// unwrapPath drops the path from an *os.PathError: the message already has it.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// ssh runs `true` through ssh_command, when one is set.
func (c *checker) ssh(ctx context.Context) {
	cmd, text := c.in.Server.SSH, c.in.Server.SSHCommand
	if cmd == nil || c.in.Server.Backup.Method != server.Rsync {
		// As Barman: only the rsync method needs SSH to the PostgreSQL
		// host (a needless ssh round trip delayed every backup).
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := cmd.Output(ctx, "true")
	if err != nil {
		c.fail("ssh", fmt.Sprintf("%v; check that '%s true' works without a password prompt as the user barman runs as", oneLine(err.Error()), text))
		return
	}
	c.pass("ssh", "PostgreSQL server")
	if len(out) > 0 {
		c.fail("ssh output clean", fmt.Sprintf("the remote login prints %q: remove that output from the remote user's shell start-up files", firstLine(string(out))))
	} else {
		c.pass("ssh output clean", "")
	}
}

// configuration reports options set that barman does not act on yet.
func (c *checker) configuration() {
	if s := c.in.Server; s.Section.Get("backup_compression") != "" {
		// Barman's check name for its pg_basebackup compression options.
		if _, err := s.BackupCompression(); err != nil {
			c.fail("backup compression settings", err.Error())
		} else {
			c.pass("backup compression settings", "")
		}
	}
	var problems []string
	for _, p := range c.in.Server.ArchiverProblems() {
		problems = append(problems, p+": set slot_name, or archiver = on")
	}
	if list := c.in.Config.Unimplemented(c.in.Server.Section); len(list) > 0 {
		problems = append(problems, "options set but not implemented yet by this barman: "+strings.Join(list, ", ")+": they have no effect yet, remove them or wait for a release that implements them")
	}
	if len(problems) > 0 {
		c.fail("configuration", strings.Join(problems, "; "))
		return
	}
	c.pass("configuration", "")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
