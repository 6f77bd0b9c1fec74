package cloud

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/alecthomas/kong"

	"github.com/gobarman/barman/internal/cli/clikit"
	engine "github.com/gobarman/barman/pkg/cloud"
	"github.com/gobarman/barman/pkg/storage/s3store"
)

// Exit codes of the barman-cloud tools (Barman's).
const (
	ExitOK        = 0
	ExitOperation = 1 // reachable, but the operation failed
	ExitNetwork   = 2 // the store could not be reached
	ExitCLI       = 3 // command-line error
	ExitGeneral   = 4 // any other error
	// ExitDamaged is barman-cloud-wal-restore's status for a damaged WAL
	// object: above 125, so that PostgreSQL aborts the recovery instead of
	// ending it there as if the archive ended (ours; Barman exits 1 or 4).
	ExitDamaged = 128
)

// Env is what a tool runs with.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Log            *Logger
	Getenv         func(string) string
}

// tool is one barman-cloud-* command.
type tool struct {
	description string
	// grammar returns a fresh kong grammar; run runs it once parsed.
	grammar func() runner
}

// runner is a parsed tool.
type runner interface {
	commonOptions() *Common
	run(ctx context.Context, env *Env) error
}

// tools maps each name (without the "barman-cloud-" prefix) to its tool.
var tools = map[string]tool{
	"wal-archive":       {"Archive a WAL file to the cloud (archive_command).", func() runner { return &walArchive{} }},
	"wal-restore":       {"Restore a WAL file from the cloud (restore_command).", func() runner { return &walRestore{} }},
	"check-wal-archive": {"Check that the WAL archive destination is safe to use for a new server.", func() runner { return &checkWALArchive{} }},
	"backup":            {"Back up a PostgreSQL server to the cloud.", func() runner { return &backupCmd{} }},
	"restore":           {"Restore a backup from the cloud.", func() runner { return &restoreCmd{} }},
	"backup-list":       {"List the backups of a server in the cloud.", func() runner { return &backupList{} }},
	"backup-show":       {"Show a backup in the cloud.", func() runner { return &backupShow{} }},
	"backup-delete":     {"Delete backups from the cloud, by ID or by retention policy.", func() runner { return &backupDelete{} }},
	"backup-keep":       {"Keep a backup in the cloud out of the retention policy, or release it.", func() runner { return &backupKeep{} }},
}

// Names are the tools' program names, barman-cloud-*, sorted.
func Names() []string {
	var names []string
	for n := range tools {
		names = append(names, "barman-cloud-"+n)
	}
	sort.Strings(names)
	return names
}

// Main runs the tool that prog names (the program's base name), or with
// prog "barman-cloud" the one args[0] names, and returns the exit status.
func Main(prog string, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	name := strings.TrimPrefix(filepath.Base(prog), "barman-cloud-")
	if name == "barman-cloud" {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(stderr, "usage: barman-cloud TOOL [OPTIONS] ... (or call it as barman-cloud-TOOL)\ntools: %s\n", strings.Join(Names(), ", "))
			if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
				return ExitOK
			}
			return ExitCLI
		}
		name, args = strings.TrimPrefix(args[0], "barman-cloud-"), args[1:]
	}
	t, ok := tools[name]
	if !ok {
		fmt.Fprintf(stderr, "barman-cloud: unknown tool %q: want one of %s\n", name, strings.Join(Names(), ", "))
		return ExitCLI
	}
	prog = "barman-cloud-" + name
	r := t.grammar()
	if code, ok := parse(prog, t.description, r, args, stdout, stderr); !ok {
		return code
	}
	c := r.commonOptions()
	log := NewLogger(stderr, c.Verbose-c.Quiet)
	if err := c.validate(); err != nil {
		log.Errorf("%v", err)
		return ExitCLI
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Log: log, Getenv: os.Getenv}
	err := r.run(ctx, env)
	return exitCode(log, err)
}

// helpFlag is --help alone: -h is backup's --host, as in Barman.
type helpFlag bool

func (helpFlag) IgnoreDefault() {}

func (helpFlag) BeforeReset(ctx *kong.Context) error {
	if err := ctx.PrintUsage(false); err != nil {
		return err
	}
	ctx.Kong.Exit(0)
	return nil
}

type exitPanic int

// parse parses args into r; ok false means the run ends with code.
func parse(prog, description string, r runner, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			c, isExit := p.(exitPanic)
			if !isExit {
				panic(p)
			}
			code, ok = int(c), false
		}
	}()
	parser, err := kong.New(r,
		kong.Name(prog),
		kong.Description(description),
		kong.Writers(stdout, stderr),
		kong.NoDefaultHelp(),
		kong.Exit(func(c int) { panic(exitPanic(c)) }),
		kong.Vars{"version": prog + " " + clikit.Version()},
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		panic(err) // a bug in the grammar
	}
	if _, err := parser.Parse(args); err != nil {
		fmt.Fprintf(stderr, "%s: error: %v\n", prog, err)
		fmt.Fprintf(stderr, "%s: hint: run '%s --help' for usage\n", prog, prog)
		return ExitCLI, false
	}
	return ExitOK, true
}

// Common are the options of every tool (Barman's create_argument_parser).
type Common struct {
	Help          helpFlag         `name:"help" help:"Show this help message and exit."`
	Version       kong.VersionFlag `short:"V" help:"Show the version and exit."`
	Verbose       int              `short:"v" type:"counter" help:"More output (-vv is more than -v)."`
	Quiet         int              `short:"q" type:"counter" help:"Less output (-qq is less than -q)."`
	Test          bool             `short:"t" help:"Test cloud connectivity and exit."`
	CloudProvider string           `default:"aws-s3" enum:"aws-s3,azure-blob-storage,google-cloud-storage" help:"The cloud provider: aws-s3 (any S3-compatible store); azure-blob-storage and google-cloud-storage are not supported yet."`
	EndpointURL   string           `name:"endpoint-url" placeholder:"URL" help:"The S3 endpoint, e.g. http://127.0.0.1:9000 for an S3-compatible server."`
	Profile       string           `short:"P" aliases:"aws-profile" placeholder:"NAME" help:"Profile of the AWS shared credentials file."`
	ReadTimeout   int              `name:"read-timeout" placeholder:"SECONDS" help:"Seconds to wait for an answer of the store (default 60)."`
	Credential    string           `enum:",azure-cli,managed-identity" default:"" help:"Azure credential type (Azure is not supported yet)."`
}

func (c *Common) commonOptions() *Common { return c }

func (c *Common) validate() error {
	if c.Verbose > 0 && c.Quiet > 0 {
		return errors.New("-v and -q cannot be used together")
	}
	if c.Credential != "" {
		return fmt.Errorf("--credential %s: Azure Blob Storage: %w", c.Credential, engine.ErrUnsupportedProvider)
	}
	if c.ReadTimeout < 0 {
		return errors.New("--read-timeout must be positive")
	}
	return nil
}

// conn is the engine's connection options for url.
func (c *Common) conn(url string) engine.Conn {
	return engine.Conn{URL: url, Provider: c.CloudProvider, EndpointURL: c.EndpointURL, Profile: c.Profile,
		ReadTimeout: time.Duration(c.ReadTimeout) * time.Second}
}

// open opens the store of conn and, as Barman's tools do first, checks
// that it answers: an unreachable store ends the run with exit code 2;
// --test ends it here with 0. It returns whether the bucket exists.
func open(ctx context.Context, env *Env, c *Common, conn engine.Conn) (*s3store.Store, bool, error) {
	st, err := engine.Open(conn)
	if err != nil {
		return nil, false, cliError(err)
	}
	exists, err := st.Check(ctx)
	if err != nil {
		return nil, false, err
	}
	if c.Test {
		return nil, exists, errTestDone
	}
	return st, exists, nil
}

// errTestDone ends a --test run with success.
var errTestDone = errors.New("connectivity test done")

// ExitError gives an error its exit code.
type ExitError struct {
	Code int
	Err  error // nil: already reported
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}
func (e *ExitError) Unwrap() error { return e.Err }

func cliError(err error) error       { return &ExitError{Code: ExitCLI, Err: err} }
func operationError(err error) error { return &ExitError{Code: ExitOperation, Err: err} }

// exitCode reports err and returns the exit status for it.
func exitCode(log *Logger, err error) int {
	if err == nil || errors.Is(err, errTestDone) {
		return ExitOK
	}
	code := ExitGeneral
	var ee *ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.Code
		if ee.Err == nil {
			return code
		}
	case errors.Is(err, context.Canceled):
		log.Errorf("interrupted")
		return clikit.ExitInterrupt
	case s3store.KindOf(err) == s3store.Network:
		code = ExitNetwork
	case s3store.KindOf(err) == s3store.NoBucket, s3store.KindOf(err) == s3store.NotFound:
		code = ExitOperation
	case errors.Is(err, engine.ErrUnsupportedProvider):
		code = ExitCLI
	}
	log.Errorf("%v", err)
	if h := clikit.HintOf(err); h != "" {
		log.Errorf("hint: %s", h)
	}
	return code
}
