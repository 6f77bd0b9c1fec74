package walingest

import (
	"fmt"
	"github.com/gobarman/barman/pkg/archiving"
	"log/slog"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/archive"
	"github.com/gobarman/barman/pkg/config"
	"github.com/gobarman/barman/pkg/hooks"
	srvpkg "github.com/gobarman/barman/pkg/server"
)

// server is a configured server's archive and hooks.
type server struct {
	cfg   *config.Config
	sec   *srvpkg.Server
	arch  *archive.Archive
	hooks *hooks.Runner
	log   *slog.Logger
	job   *archiving.Job
}

func (e *runEnv) server(serverName string) (*server, error) {
	cfg, err := clikit.LoadConfig(name, e.config, e.stderr)
	if err != nil {
		return nil, err
	}
	section := cfg.Server(serverName)
	if section == nil {
		return nil, clikit.WithHint(fmt.Errorf("unknown server %q", serverName), "'barman list-servers' shows the servers of %s", cfg.MainFile)
	}
	sec, err := srvpkg.New(cfg, section)
	if err != nil {
		return nil, clikit.WithHint(err, "fix the server's section in %s", cfg.MainFile)
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := &server{cfg: cfg, sec: sec, arch: sec.Archive(log), log: log,
		hooks: &hooks.Runner{Scripts: section, Server: sec.Name, ConfigFile: cfg.MainFile, Version: clikit.Version(), Log: log}}
	s.job = &archiving.Job{Server: sec, Archive: s.arch, Hooks: s.hooks, Stderr: e.stderr}
	return s, nil
}
