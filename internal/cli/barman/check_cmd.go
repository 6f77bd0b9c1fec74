package barman

import (
	"fmt"
	"github.com/gobarman/barman/pkg/server"
	"strings"
	"time"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/check"
)

// CheckCmd is `barman check`.
type CheckCmd struct {
	Nagios       bool     `help:"Nagios plugin output: one summary line, exit 2 when critical."`
	CheckTimeout int      `name:"check-timeout" help:"Seconds for all checks of one server (overrides check_timeout)." default:"-1"`
	Servers      []string `arg:"" name:"server" help:"Server names, or 'all'."`
}

type serverChecks struct {
	server  *server.Server
	results []check.Result
}

// Run runs the checks of every named server.
func (c *CheckCmd) Run(env *Env) error {
	servers, err := env.Servers(c.Servers)
	if err != nil {
		return err
	}
	var all []serverChecks
	for _, s := range servers {
		if c.CheckTimeout >= 0 {
			s.CheckTimeout = time.Duration(c.CheckTimeout) * time.Second
		}
		all = append(all, serverChecks{s, runChecks(env, s)})
	}
	if c.Nagios {
		return nagios(env, all)
	}
	failed := false
	for _, sc := range all {
		printChecks(env, sc)
		if sc.server.Active && check.Failed(sc.results, false) {
			failed = true
		}
	}
	if failed {
		return &clikit.ExitError{Code: clikit.ExitFailure}
	}
	return nil
}

func runChecks(env *Env, s *server.Server) []check.Result {
	in := check.Input{Config: env.Cfg, Server: s, Catalogue: check.ReadCatalogue(s)}
	in.Status, in.ConnErr = s.LiveStatus(env.Ctx)
	if in.ConnErr != nil {
		env.Log.Warn("connection failed", "server", s.Name, "error", in.ConnErr)
	}
	in.Streaming = check.ReadStreaming(env.Ctx, s)
	return check.Run(env.Ctx, in)
}

func header(s *server.Server) string {
	if !s.Active {
		return fmt.Sprintf("Server %s (inactive):", s.Name)
	}
	return fmt.Sprintf("Server %s:", s.Name)
}

func printChecks(env *Env, sc serverChecks) {
	doc := map[string]any{}
	env.Out.Line("%s", header(sc.server))
	for _, r := range sc.results {
		doc[check.JSONName(r.Name)] = map[string]string{"status": r.Status(), "hint": r.Hint}
		if r.Hint != "" {
			env.Out.Line("\t%s: %s (%s)", r.Name, r.Status(), r.Hint)
		} else {
			env.Out.Line("\t%s: %s", r.Name, r.Status())
		}
	}
	env.Out.Result(sc.server.Name, doc)
}

// nagios prints Barman's Nagios plugin output and exits 2 on CRITICAL.
func nagios(env *Env, all []serverChecks) error {
	var issues, details, ignored []string
	var names, perf []string
	for _, sc := range all {
		names = append(names, sc.server.Name)
		perf = append(perf, fmt.Sprintf("%s=%dB %s_wals=%dB", sc.server.Name, lastBackupSize(env, sc.server), sc.server.Name, walSize(env, sc.server)))
		var failed []string
		for _, r := range sc.results {
			if !r.OK {
				failed = append(failed, r.Name)
				details = append(details, fmt.Sprintf("%s.%s: FAILED (%s)", sc.server.Name, r.Name, r.Hint))
			}
		}
		if len(failed) == 0 {
			continue
		}
		if !sc.server.Active {
			ignored = append(ignored, sc.server.Name)
			continue
		}
		issues = append(issues, fmt.Sprintf("%s FAILED: %s", sc.server.Name, strings.Join(failed, ", ")))
	}
	w := env.Out.Stdout()
	perfdata := strings.Join(perf, " ")
	switch {
	case len(all) == 0:
		fmt.Fprintln(w, "BARMAN OK - No server configured")
	case len(issues) > 0:
		what := fmt.Sprintf("server %s has issues", strings.SplitN(issues[0], " ", 2)[0])
		if len(all) > 1 {
			what = fmt.Sprintf("%d server out of %d have issues", len(issues), len(all))
		}
		fmt.Fprintf(w, "BARMAN CRITICAL - %s * %s|%s\n", what, strings.Join(issues, " * "), perfdata)
		for _, d := range details {
			fmt.Fprintln(w, d)
		}
		return &clikit.ExitError{Code: 2}
	case len(all) == 1:
		fmt.Fprintf(w, "BARMAN OK - Ready to serve the Espresso backup for %s%s|%s\n", names[0], ignoring(ignored), perfdata)
	default:
		fmt.Fprintf(w, "BARMAN OK - Ready to serve the Espresso backup for %d servers * %s%s|%s\n", len(all), strings.Join(names, " * "), ignoring(ignored), perfdata)
	}
	return nil
}

func ignoring(names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(" * IGNORING: " + n)
	}
	return b.String()
}
