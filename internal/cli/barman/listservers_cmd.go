package barman

// ListServersCmd is `barman list-servers` (alias list-server).
type ListServersCmd struct {
	Minimal bool `help:"Print only the server names."`
}

// Run prints one line per server: "name - description", or only the name
// when the server has no description (as Barman does).
func (c *ListServersCmd) Run(env *Env) error {
	for _, s := range env.Cfg.Servers {
		desc := s.Get("description")
		suffix := ""
		if !s.Bool("active") {
			suffix = " (inactive)"
		}
		env.Out.Result(s.Name, map[string]any{"description": desc, "active": s.Bool("active")})
		if c.Minimal || desc == "" && suffix == "" {
			env.Out.Line("%s", s.Name)
			continue
		}
		if desc == "" {
			env.Out.Line("%s%s", s.Name, suffix)
			continue
		}
		env.Out.Line("%s - %s%s", s.Name, desc, suffix)
	}
	return nil
}
