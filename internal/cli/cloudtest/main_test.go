package cloudtest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/gobarman/barman/internal/cli/cloud"
	"github.com/gobarman/barman/internal/pgtest"
)

func TestMain(m *testing.M) {
	cmds := map[string]func() int{
		"barman-cloud": func() int { return cloud.Main("barman-cloud", os.Args[1:], os.Stdin, os.Stdout, os.Stderr) },
	}
	for _, n := range cloud.Names() {
		cmds[n] = func() int { return cloud.Main(n, os.Args[1:], os.Stdin, os.Stdout, os.Stderr) }
	}
	os.Exit(testscript.RunMain(m, cmds))
}

// fixture is an S3 server with a bucket, and the tools in a directory the
// PostgreSQL OS user can run them from.
type fixture struct {
	S3     *pgtest.S3
	Bucket string
	URL    string // s3://BUCKET/PREFIX
	Tools  string // directory of barman-cloud and its barman-cloud-* links
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := pgtest.StartS3(t)
	f := &fixture{S3: srv, Bucket: "backups", URL: "s3://backups/cluster", Tools: toolsDir(t)}
	srv.MakeBucket(t, f.Bucket)
	return f
}

// toolsDir copies the test binary as barman-cloud into a directory the
// PostgreSQL OS user can read, with each tool's name linked to it
// (testscript dispatches on the program name).
func toolsDir(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := pgtest.TempDir(t)
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, "barman-cloud")
	if err := os.WriteFile(main, data, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range cloud.Names() {
		if err := os.Symlink("barman-cloud", filepath.Join(dir, n)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Env is the environment that reaches the server: credentials, region.
func (f *fixture) Env() []string { return f.S3.Env() }

// Cmd is a shell command line running tool with the endpoint and the
// credentials, for archive_command and restore_command.
func (f *fixture) Cmd(tool string, args ...string) string {
	parts := []string{"env"}
	parts = append(parts, f.Env()...)
	parts = append(parts, filepath.Join(f.Tools, tool), "--endpoint-url", f.S3.Endpoint())
	parts = append(parts, args...)
	return strings.Join(parts, " ")
}

// barmanCmd is Cmd for Debian's Barman 3.4 tool.
func (f *fixture) barmanCmd(tool string, args ...string) string {
	parts := append([]string{"env"}, f.Env()...)
	parts = append(parts, "/usr/bin/"+tool, "--endpoint-url", f.S3.Endpoint())
	return strings.Join(append(parts, args...), " ")
}

// run runs one of our tools with the endpoint and credentials.
func (f *fixture) run(t *testing.T, tool string, args ...string) (string, string, int) {
	t.Helper()
	return runEnv(t, f.Env(), filepath.Join(f.Tools, tool), append([]string{"--endpoint-url", f.S3.Endpoint()}, args...)...)
}

// runBarman runs Debian's Barman 3.4 tool (/usr/bin/barman-cloud-*).
func (f *fixture) runBarman(t *testing.T, tool string, args ...string) (string, string, int) {
	t.Helper()
	pgtest.Require(t, "Debian's barman-cli-cloud 3.4 (apt-get install barman-cli-cloud python3-boto3)", "/usr/bin/"+tool)
	return runEnv(t, f.Env(), "/usr/bin/"+tool, append([]string{"--endpoint-url", f.S3.Endpoint()}, args...)...)
}

func runEnv(t *testing.T, env []string, prog string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", prog, err)
	}
	return stdout.String(), stderr.String(), code
}

// TestDispatch: the binary runs the tool its name or first argument says,
// and an unknown name or a bad option is a command-line error (3).
func TestDispatch(t *testing.T) {
	dir := toolsDir(t)
	for _, tc := range []struct {
		prog string
		args []string
		code int
		want string
	}{
		{"barman-cloud-wal-archive", []string{"--help"}, 0, "Usage: barman-cloud-wal-archive"},
		{"barman-cloud", []string{"backup-list", "--help"}, 0, "Usage: barman-cloud-backup-list"},
		{"barman-cloud", []string{"nonsense"}, 3, "unknown tool"},
		{"barman-cloud-backup-list", []string{"--no-such-option"}, 3, "unknown flag"},
		{"barman-cloud-backup-list", []string{"-V"}, 0, "barman-cloud-backup-list "},
		{"barman-cloud-backup-list", []string{"--cloud-provider", "google-cloud-storage", "gs://b/p", "srv"}, 3, "not supported yet"},
		{"barman-cloud-backup-list", []string{"--cloud-provider", "azure-blob-storage", "https://a.blob.core.windows.net/c", "srv"}, 3, "not supported yet"},
	} {
		out, errOut, code := runEnv(t, nil, filepath.Join(dir, tc.prog), tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%s %v: exit %d, output %q; want exit %d and %q", tc.prog, tc.args, code, out+errOut, tc.code, tc.want)
		}
	}
}
