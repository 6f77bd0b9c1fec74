package pgtest

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// DefaultOSUser is the account that runs PostgreSQL when the tests run as
// root. It is created on first use (useradd --system --create-home) with
// the password field "*": no password login, yet not "locked" in the sense
// sshd uses without PAM, so key logins work. BARMAN_TEST_PG_USER names
// another existing account instead.
const DefaultOSUser = "barmantest-pg"

// account is an OS user that commands can run as.
type account struct {
	Name     string
	UID, GID uint32
	Home     string
	switchTo bool // run its commands with SysProcAttr.Credential
}

var (
	pgUserOnce sync.Once
	pgUser     *account
	pgUserErr  error
)

// pgAccount returns the OS user that owns and runs the test servers: the
// current user when not root, otherwise DefaultOSUser or BARMAN_TEST_PG_USER.
func pgAccount(t testing.TB) *account {
	t.Helper()
	pgUserOnce.Do(func() { pgUser, pgUserErr = resolvePGAccount() })
	if pgUserErr != nil {
		Unavailable(t, "no OS user to run PostgreSQL: %v", pgUserErr)
	}
	return pgUser
}

func resolvePGAccount() (*account, error) {
	if os.Geteuid() != 0 {
		me, err := user.Current()
		if err != nil {
			return nil, err
		}
		return lookupAccount(me.Username)
	}
	if name := os.Getenv("BARMAN_TEST_PG_USER"); name != "" {
		return lookupAccount(name)
	}
	if err := ensureUser(DefaultOSUser); err != nil {
		return nil, err
	}
	return lookupAccount(DefaultOSUser)
}

// ensureUser creates name unless it exists. Test binaries of several
// packages may race to create it, so a failed useradd is retried.
func ensureUser(name string) error {
	var err error
	for range 20 {
		if _, lerr := user.Lookup(name); lerr == nil {
			return nil
		}
		out, cerr := exec.Command("useradd", "--system", "--create-home",
			"--home-dir", "/var/lib/"+name, "--shell", "/bin/bash", "--password", "*",
			"--comment", "barman test PostgreSQL", name).CombinedOutput()
		if cerr == nil {
			return nil
		}
		err = fmt.Errorf("useradd %s: %v: %s", name, cerr, strings.TrimSpace(string(out)))
		time.Sleep(100 * time.Millisecond)
	}
	return err
}

func lookupAccount(name string) (*account, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, err
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, fmt.Errorf("user %s: %w", name, err)
	}
	a := &account{Name: name, UID: uint32(uid), GID: uint32(gid), Home: u.HomeDir}
	a.switchTo = os.Geteuid() == 0 && uid != 0
	return a, nil
}

// currentAccount is the user running the tests (the barman side).
func currentAccount(t testing.TB) *account {
	t.Helper()
	me, err := user.Current()
	if err == nil {
		var a *account
		if a, err = lookupAccount(me.Username); err == nil {
			return a
		}
	}
	t.Fatalf("pgtest: current user: %v", err)
	return nil
}

// command prepares name to run as a, in dir, with a's HOME, USER and
// LOGNAME and without the PG* variables of the caller's environment.
func (a *account) command(dir, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "HOME="+a.Home, "USER="+a.Name, "LOGNAME="+a.Name)
	cmd.SysProcAttr = &syscall.SysProcAttr{}
	if a.switchTo {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: a.UID, Gid: a.GID, Groups: []uint32{}}
	}
	return cmd
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PG") || k == "HOME" || k == "USER" || k == "LOGNAME" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// own gives path to a.
func (a *account) own(path string) error {
	return os.Lchown(path, int(a.UID), int(a.GID))
}

// loginProblem says why sshd (without PAM) would refuse a key login as
// name: a shell that is not a real shell, or a locked password ("!...").
// It returns "" when nothing is wrong or the files cannot be read.
func loginProblem(name string) string {
	if f := passwdField("/etc/passwd", name, 6); strings.HasSuffix(f, "nologin") || strings.HasSuffix(f, "/false") {
		return fmt.Sprintf("user %s has login shell %s", name, f)
	}
	if f := passwdField("/etc/shadow", name, 1); strings.HasPrefix(f, "!") {
		return fmt.Sprintf("user %s is locked in /etc/shadow; hint: usermod -p '*' %s", name, name)
	}
	return ""
}

func passwdField(file, name string, idx int) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), ":")
		if fields[0] == name && len(fields) > idx {
			return fields[idx]
		}
	}
	return ""
}

// TempDir is like t.TempDir, but with a short path and mode 0755 so that
// the PostgreSQL OS user can traverse it: for archive destinations and
// other directories that server must write (give them with ChownToOSUser).
func TempDir(t testing.TB) string {
	t.Helper()
	return workDir(t, "tmp")
}

// ChownToOSUser gives paths, recursively, to the PostgreSQL OS user.
// Parent directories must be traversable by that user (see TempDir).
func ChownToOSUser(t testing.TB, paths ...string) {
	t.Helper()
	a := pgAccount(t)
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return a.own(p)
		})
		if err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
}

// OSUser is the name of the OS user that runs the test servers.
func OSUser(t testing.TB) string {
	t.Helper()
	return pgAccount(t).Name
}
