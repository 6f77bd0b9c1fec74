package barman

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/hooks"
	"github.com/gobarman/barman/pkg/removal"
	"github.com/gobarman/barman/pkg/server"
)

// Env is what every command gets: the loaded configuration, the output
// writer and the logger.
type Env struct {
	Ctx     context.Context
	Globals *Globals
	Cfg     *config.Config
	Out     *clikit.Output
	Log     *slog.Logger
	Stdin   io.Reader
	Stderr  io.Writer
	closers []io.Closer
}

// newEnv loads the configuration (refusing a broken one), drops
// privileges to barman_user and opens the log.
func newEnv(ctx context.Context, g *Globals, stdin io.Reader, stdout, stderr io.Writer) (*Env, error) {
	out := clikit.NewOutput(g.Format, g.Quiet, stdout, stderr)
	cfg, err := clikit.LoadConfig(name, g.Config, stderr)
	if err != nil {
		return nil, err
	}
	env := &Env{Ctx: ctx, Globals: g, Cfg: cfg, Out: out, Stdin: stdin, Stderr: stderr}
	env.Log, err = env.openLog(stderr)
	if err == nil {
		slog.SetDefault(env.Log) // for the libraries' debug messages (e.g. pkg/sshcmd's)
	}
	return env, err
}

var levels = map[string]slog.Level{"DEBUG": slog.LevelDebug, "INFO": slog.LevelInfo,
	"WARNING": slog.LevelWarn, "ERROR": slog.LevelError, "CRITICAL": slog.LevelError + 4}

// openLog opens log_file (append) at log_level; -d adds debug to stderr.
func (e *Env) openLog(stderr io.Writer) (*slog.Logger, error) {
	level := strings.ToUpper(e.Cfg.Global.Get("log_level"))
	if e.Globals.LogLevel != "" {
		level = e.Globals.LogLevel
	}
	opts := &slog.HandlerOptions{Level: levels[level]}
	if e.Globals.Debug {
		return slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug})), nil
	}
	path := e.Cfg.Global.Get("log_file")
	if path == "" {
		return slog.New(slog.NewTextHandler(io.Discard, opts)), nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		e.Out.Warning("cannot open log_file %s: %v; logging to standard error", path, err)
		return slog.New(slog.NewTextHandler(stderr, opts)), nil
	}
	e.closers = append(e.closers, f)
	return slog.New(slog.NewTextHandler(f, opts)).With("pid", os.Getpid()), nil
}

// Servers resolves command arguments to configured servers; "all" means
// every server.
func (e *Env) Servers(names []string) ([]*server.Server, error) {
	if len(names) == 1 && names[0] == "all" {
		return server.All(e.Cfg)
	}
	var out []*server.Server
	for _, n := range names {
		s := e.Cfg.Server(n)
		if s == nil {
			return nil, clikit.WithHint(fmt.Errorf("unknown server %q", n),
				"'barman list-servers' shows the servers of %s", e.Cfg.MainFile)
		}
		srv, err := server.New(e.Cfg, s)
		if err != nil {
			return nil, clikit.WithHint(err, "fix the server's section in %s", e.Cfg.MainFile)
		}
		out = append(out, srv)
	}
	return out, nil
}

// Hooks returns the runner of server s's hook scripts.
func (e *Env) Hooks(s *server.Server) *hooks.Runner {
	return &hooks.Runner{Scripts: s.Section, Server: s.Name, ConfigFile: e.Cfg.MainFile, Version: clikit.Version(), Log: e.Log}
}

// Remover returns the job that removes server s's backups and WAL files.
func (e *Env) Remover(s *server.Server) *removal.Remover {
	return removal.New(s, e.Hooks(s), e.Out, e.Log)
}
