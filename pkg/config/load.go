package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// DefaultFiles returns the main configuration files Barman looks for, in
// order: ~/.barman.conf, /etc/barman.conf, /etc/barman/barman.conf.
func DefaultFiles(home string) []string {
	var files []string
	if home != "" {
		files = append(files, filepath.Join(home, ".barman.conf"))
	}
	return append(files, "/etc/barman.conf", "/etc/barman/barman.conf")
}

// Find returns the configuration file to use: explicit if not empty, else
// $BARMAN_CONFIG_FILE, else the first of DefaultFiles that exists.
func Find(explicit string, getenv func(string) string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if env := getenv("BARMAN_CONFIG_FILE"); env != "" {
		return env, nil
	}
	candidates := DefaultFiles(getenv("HOME"))
	for _, f := range candidates {
		if _, err := os.Stat(f); err == nil {
			return f, nil
		}
	}
	return "", fmt.Errorf("no configuration file found (looked for %v): create one or pass -c FILE", candidates)
}

// Load reads the main configuration file and the files of its
// configuration_files_directory, and validates everything. On any error it
// returns an *Error listing every problem; warnings are in Config.Warnings.
func Load(path string) (*Config, error) {
	main, probs, err := readFile(path)
	if err != nil {
		return nil, err
	}
	m := &merged{sections: map[string]map[string]entry{}, pos: map[string]Pos{}}
	m.add(main)
	files := []string{path}
	if main.section(GlobalSection) == nil {
		return nil, &Error{Problems: append(probs, Problem{Pos: Pos{File: path}, Msg: "no [barman] section: add one with at least barman_home = /var/lib/barman"})}
	}
	b := &builder{m: m, opts: Options()}
	if dir := b.section(GlobalSection).Get("configuration_files_directory"); dir != "" && len(b.errs) == 0 {
		more, err := b.include(dir)
		if err != nil {
			return nil, err
		}
		files = append(files, more...)
	}
	b.errs, b.warnings = append(probs, b.includeErrs...), nil
	cfg := &Config{MainFile: path, Files: files}
	cfg.Global = b.section(GlobalSection)
	if !cfg.Global.IsSet("barman_home") {
		b.errorf(m.pos[GlobalSection], GlobalSection, "barman_home", "barman_home is not set: set it to the absolute directory that holds the backups, e.g. /var/lib/barman")
	}
	for _, name := range m.order {
		if name == GlobalSection {
			continue
		}
		s := b.section(name)
		if s.Bool("model") {
			continue
		}
		cfg.Servers = append(cfg.Servers, s)
	}
	sort.Slice(cfg.Servers, func(i, j int) bool { return cfg.Servers[i].Name < cfg.Servers[j].Name })
	b.checkServers(cfg.Servers)
	sortProblems(b.warnings)
	cfg.Warnings = b.warnings
	if len(b.errs) > 0 {
		sortProblems(b.errs)
		return cfg, &Error{Problems: b.errs}
	}
	return cfg, nil
}

// include reads dir/*.conf in name order into the merged sections.
func (b *builder) include(dir string) ([]string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.conf"))
	if err != nil {
		return nil, fmt.Errorf("list configuration_files_directory %q: %w", dir, err)
	}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	sort.Strings(names)
	var probs []Problem
	for _, name := range names {
		f, p, err := readFile(name)
		if err != nil {
			return nil, err
		}
		probs = append(probs, p...)
		if s := f.section(GlobalSection); s != nil {
			probs = append(probs, Problem{Pos: Pos{name, s.Line}, Section: GlobalSection,
				Msg: "an included file may not change the [barman] section: move these options to the main file"})
		}
		b.m.add(f)
	}
	b.includeErrs = probs
	return names, nil
}
