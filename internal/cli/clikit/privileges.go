package clikit

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// DropPrivileges switches to barman_user when run as root, as Barman does,
// so that everything under barman_home belongs to that user. Run as
// another user, barman refuses unless it is barman_user.
func DropPrivileges(name string) error {
	if name == "" {
		return nil
	}
	u, lookupErr := user.Lookup(name)
	if lookupErr == nil && u.Uid == strconv.Itoa(os.Geteuid()) {
		return nil
	}
	if os.Geteuid() != 0 {
		me := strconv.Itoa(os.Geteuid())
		if cur, err := user.LookupId(me); err == nil {
			me = cur.Username
		}
		return WithHint(fmt.Errorf("please run barman as %q user (barman_user), not %q", name, me),
			"run 'sudo -u %s barman ...' or set barman_user in the configuration", name)
	}
	if lookupErr != nil {
		return WithHint(fmt.Errorf("barman_user %q does not exist", name),
			"create it (useradd --system %s) or set barman_user to an existing user", name)
	}
	return switchTo(u)
}

func switchTo(u *user.User) error {
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	var groups []int
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.Atoi(g); err == nil {
				groups = append(groups, n)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("switch to barman_user %q: setgroups: %w", u.Username, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("switch to barman_user %q: setgid: %w", u.Username, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("switch to barman_user %q: setuid: %w", u.Username, err)
	}
	os.Setenv("HOME", u.HomeDir)
	os.Setenv("USER", u.Username)
	os.Setenv("LOGNAME", u.Username)
	return nil
}
