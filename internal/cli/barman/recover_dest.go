package barman

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/restore"
)

// destinations lists the directories recovery writes: PGDATA, then each
// tablespace location.
func (r *recoverRun) destinations() []string {
	out := []string{r.dest}
	var locs []string
	for _, l := range r.mapping.Tablespaces {
		locs = append(locs, l)
	}
	sort.Strings(locs)
	return append(out, locs...)
}

// checkDestination refuses a destination that is not empty (unless delta
// restore) or cannot be written, before anything is written.
func (r *recoverRun) checkDestination() error {
	if r.ssh != nil {
		return r.checkRemoteDestination()
	}
	for _, d := range r.destinations() {
		fi, err := os.Stat(d)
		switch {
		case err != nil:
			if err := os.MkdirAll(d, 0o700); err != nil {
				return clikit.WithHint(fmt.Errorf("cannot create the destination directory %s: %w", d, err),
					"create it and give it to the user barman runs as (%s), or choose another directory", currentUser())
			}
			continue
		case !fi.IsDir():
			return fmt.Errorf("the destination %s exists and is not a directory", d)
		}
		if err := checkWritable(d); err != nil {
			return clikit.WithHint(fmt.Errorf("the destination directory %s is not writable by %s: %w", d, currentUser(), err),
				"give it to that user (chown), or choose another directory")
		}
		entries, err := os.ReadDir(d)
		if err != nil {
			return err
		}
		if len(entries) > 0 && !r.delta {
			return clikit.WithHint(fmt.Errorf("the restore operation cannot proceed because the destination folder '%s' is not empty", d),
				"empty it or choose another directory; --delta-restore reuses the files that match the backup and removes the others")
		}
	}
	return nil
}

func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".barman-recover-probe-*")
	if err != nil {
		return errors.Unwrap(err)
	}
	f.Close()
	return os.Remove(f.Name())
}

func currentUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}

// checkRemoteDestination does the same checks on the remote host with a
// POSIX shell script; it also proves the SSH command works.
func (r *recoverRun) checkRemoteDestination() error {
	if r.delta {
		return fmt.Errorf("--delta-restore works only for a local recovery: empty the remote destination instead")
	}
	var script strings.Builder
	script.WriteString("for d in")
	for _, d := range r.destinations() {
		script.WriteString(" " + shellQuote(d))
	}
	script.WriteString(`; do
  if [ -e "$d" ] && [ ! -d "$d" ]; then echo "notdir $d"
  elif [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then echo "notempty $d"
  elif mkdir -p "$d" 2>/dev/null && chmod 700 "$d" 2>/dev/null && [ -w "$d" ]; then :
  else echo "notwritable $d"; fi
done; echo ok`)
	out, err := restore.RunScript(r.env.Ctx, r.ssh, script.String())
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "ok") {
		return clikit.WithHint(fmt.Errorf("cannot reach the destination host with %q: %v", r.c.RemoteSSH, err),
			"check that '%s true' works without a password for the user barman runs as", r.c.RemoteSSH)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		what, d, _ := strings.Cut(line, " ")
		switch what {
		case "notdir":
			return fmt.Errorf("the destination %s on the remote host exists and is not a directory", d)
		case "notempty":
			return clikit.WithHint(fmt.Errorf("the restore operation cannot proceed because the destination folder '%s' on the remote host is not empty", d),
				"empty it or choose another directory")
		case "notwritable":
			return clikit.WithHint(fmt.Errorf("the destination directory %s cannot be created or written on the remote host", d),
				"create it for the user of %q, or choose another directory", r.c.RemoteSSH)
		}
	}
	return nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

var _ = filepath.Join
