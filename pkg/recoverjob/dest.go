package recoverjob

import (
	"context"
	"errors"
	"fmt"
	"github.com/gobarman/barman/pkg/shell"
	"os"
	"slices"
	"strings"

	"github.com/gobarman/barman/pkg/restore"
)

// destinations lists the directories recovery writes: PGDATA, then each
// tablespace location.
func (r *run) destinations() []string {
	var locs []string
	for _, l := range r.mapping.Tablespaces {
		locs = append(locs, l)
	}
	slices.Sort(locs)
	return append([]string{r.dest}, locs...)
}

// checkDestination refuses a destination that is not empty (unless delta
// restore) or cannot be written, before anything is written.
func (r *run) checkDestination(ctx context.Context) error {
	if r.ssh != nil {
		return r.checkRemoteDestination(ctx)
	}
	for _, d := range r.destinations() {
		if err := r.checkLocal(d); err != nil {
			return err
		}
	}
	return nil
}

// checkLocal creates directory d, or checks that it is a writable
// directory, empty unless delta restore.
func (r *run) checkLocal(d string) error {
	fi, err := os.Stat(d)
	switch {
	case err != nil:
		if err := os.MkdirAll(d, 0o700); err != nil {
			return withHint(fmt.Errorf("cannot create the destination directory %s: %w", d, err),
				"create it and give it to the user barman runs as (%s), or choose another directory", currentUser())
		}
		return nil
	case !fi.IsDir():
		return fmt.Errorf("the destination %s exists and is not a directory", d)
	}
	if err := checkWritable(d); err != nil {
		return withHint(fmt.Errorf("the destination directory %s is not writable by %s: %w", d, currentUser(), err),
			"give it to that user (chown), or choose another directory")
	}
	entries, err := os.ReadDir(d)
	if err != nil {
		return err
	}
	if len(entries) > 0 && !r.set.delta {
		return withHint(fmt.Errorf("the restore operation cannot proceed because the destination folder '%s' is not empty", d),
			"empty it or choose another directory; --delta-restore reuses the files that match the backup and removes the others")
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

// remoteCheck is the POSIX shell script that checks the destinations on
// the remote host: one line per problem, then "ok".
const remoteCheck = `; do
  if [ -e "$d" ] && [ ! -d "$d" ]; then echo "notdir $d"
  elif [ -d "$d" ] && [ -n "$(ls -A "$d")" ]; then echo "notempty $d"
  elif mkdir -p "$d" 2>/dev/null && chmod 700 "$d" 2>/dev/null && [ -w "$d" ]; then :
  else echo "notwritable $d"; fi
done; echo ok`

// checkRemoteDestination does the same checks on the remote host with a
// POSIX shell script; it also proves the SSH command works.
func (r *run) checkRemoteDestination(ctx context.Context) error {
	if r.set.delta {
		return fmt.Errorf("--delta-restore works only for a local recovery: empty the remote destination instead")
	}
	script := "for d in " + strings.Join(shell.QuoteAll(r.destinations()), " ") + remoteCheck
	out, err := restore.RunScript(ctx, r.ssh, script)
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "ok") {
		return withHint(fmt.Errorf("cannot reach the destination host with %q: %v", r.o.RemoteSSH, err),
			"check that '%s true' works without a password for the user barman runs as", r.o.RemoteSSH)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		what, d, _ := strings.Cut(line, " ")
		switch what {
		case "notdir":
			return fmt.Errorf("the destination %s on the remote host exists and is not a directory", d)
		case "notempty":
			return withHint(fmt.Errorf("the restore operation cannot proceed because the destination folder '%s' on the remote host is not empty", d),
				"empty it or choose another directory")
		case "notwritable":
			return withHint(fmt.Errorf("the destination directory %s cannot be created or written on the remote host", d),
				"create it for the user of %q, or choose another directory", r.o.RemoteSSH)
		}
	}
	return nil
}
