package clikit

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gobarman/barman/pkg/config"
)

// LoadConfig finds and loads the configuration (explicit path, else
// $BARMAN_CONFIG_FILE, else Barman's default files), prints its warnings as
// "WARNING: ..." on stderr, refuses a configuration with errors (each
// printed with file:line), and switches to barman_user when run as root.
func LoadConfig(tool, path string, stderr io.Writer) (*config.Config, error) {
	path, err := config.Find(path, os.Getenv)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	if cfg != nil {
		for _, w := range cfg.Warnings {
			fmt.Fprintf(stderr, "WARNING: %s\n", w)
		}
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Fprintf(stderr, "%s: error: %s\n", tool, p)
		}
		return nil, &ExitError{Code: ExitFailure, Err: WithHint(
			fmt.Errorf("configuration %s has %d error(s); no command runs until they are fixed", path, len(ce.Problems)),
			"fix the lines named above")}
	}
	if err != nil {
		return nil, err
	}
	if err := DropPrivileges(cfg.Global.Get("barman_user")); err != nil {
		return nil, err
	}
	if p := cfg.Global.Get("path_prefix"); p != "" && !strings.HasPrefix(os.Getenv("PATH"), p+":") {
		os.Setenv("PATH", p+":"+os.Getenv("PATH"))
	}
	return cfg, nil
}
