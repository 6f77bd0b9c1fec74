package clitest

import (
	"flag"
	"os"
	"os/user"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gobarman/barman/internal/cli/barman"
	"github.com/gobarman/barman/internal/cli/basebackup"
	"github.com/gobarman/barman/internal/cli/restore"
	"github.com/gobarman/barman/internal/cli/walcompress"
	"github.com/gobarman/barman/internal/cli/walingest"
)

var update = flag.Bool("update", false, "rewrite the want files of the scripts")

func TestMain(m *testing.M) {
	os.Exit(testscript.RunMain(m, map[string]func() int{
		"barman":              func() int { return barman.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) },
		"barman-wal-compress": func() int { return walcompress.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) },
		"barman-wal-ingest":   func() int { return walingest.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) },
		"barman-basebackup":   func() int { return basebackup.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) },
		"barman-restore":      func() int { return restore.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr) },
	}))
}

func TestScripts(t *testing.T) {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("BARMAN_USER", u.Username)
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"subst": subst,
		},
	})
}

// subst FILE...: expands $VARS of the script's environment in files, so
// that configurations can name $WORK and $BARMAN_USER.
func subst(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! subst")
	}
	for _, f := range args {
		data := ts.ReadFile(f)
		ts.Check(os.WriteFile(ts.MkAbs(f), []byte(os.Expand(data, ts.Getenv)), 0o644))
	}
}
