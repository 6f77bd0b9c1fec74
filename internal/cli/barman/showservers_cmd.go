package barman

import (
	"fmt"
	"github.com/gobarman/barman/pkg/status"
	"sort"
	"strings"
)

// ShowServersCmd is `barman show-servers` (alias show-server).
type ShowServersCmd struct {
	Servers []string `arg:"" name:"server" help:"Server names, or 'all'."`
}

// Run prints every effective option and the live status, sorted by key.
func (c *ShowServersCmd) Run(env *Env) error {
	servers, err := env.Servers(c.Servers)
	if err != nil {
		return err
	}
	for _, s := range servers {
		printServer(env, s.Name, status.Server(env.Ctx, s))
	}
	return nil
}

func printServer(env *Env, name string, values map[string]any) {
	env.Out.Result(name, values)
	env.Out.Line("Server %s:", name)
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env.Out.Line("\t%s: %s", k, pyString(values[k]))
	}
}

// pyString renders a value as Barman's console output does.
func pyString(v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case string:
		return strings.ReplaceAll(x, "\n", " ")
	case []string: // a Python list of strings: ['a', 'b']
		quoted := make([]string, len(x))
		for i, e := range x {
			quoted[i] = "'" + e + "'"
		}
		return "[" + strings.Join(quoted, ", ") + "]"
	}
	return fmt.Sprint(v)
}
