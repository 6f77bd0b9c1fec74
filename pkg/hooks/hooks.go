package hooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"sort"
	"strings"
	"time"
)

// Exit codes of retry scripts.
const (
	AbortContinue = 62
	AbortStop     = 63
)

// ErrAbortStop is returned by Pre when a pre retry script exits 63: the
// action must not run.
var ErrAbortStop = errors.New("stopped by the pre retry hook script (exit 63)")

// Scripts gives the command line of an option, "" when unset.
type Scripts interface {
	Get(key string) string
}

// Runner runs the hook scripts of one server.
type Runner struct {
	Scripts    Scripts
	Server     string
	ConfigFile string
	Version    string
	Log        *slog.Logger
	// Sleep waits between retries; nil means time.Sleep honouring ctx.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Pre runs pre_<event>_script and pre_<event>_retry_script.
func (r *Runner) Pre(ctx context.Context, event string, env map[string]string) error {
	r.standard(ctx, "pre", event, env, "")
	code, err := r.retry(ctx, "pre", event, env, "")
	if err != nil {
		return err
	}
	if code == AbortStop {
		return ErrAbortStop
	}
	return nil
}

// Post runs post_<event>_retry_script and post_<event>_script; errMsg is
// the action's error ("" on success), given as BARMAN_ERROR.
func (r *Runner) Post(ctx context.Context, event string, env map[string]string, errMsg string) {
	r.retry(ctx, "post", event, env, errMsg)
	r.standard(ctx, "post", event, env, errMsg)
}

func (r *Runner) standard(ctx context.Context, phase, event string, env map[string]string, errMsg string) {
	key := phase + "_" + event + "_script"
	script := r.Scripts.Get(key)
	if script == "" {
		return
	}
	code, out, err := r.run(ctx, script, r.environ(phase, event+"_script", false, env, errMsg))
	r.logResult(key, code, out, err)
}

// retry runs a retry script until it gives a final exit code.
func (r *Runner) retry(ctx context.Context, phase, event string, env map[string]string, errMsg string) (int, error) {
	key := phase + "_" + event + "_retry_script"
	script := r.Scripts.Get(key)
	if script == "" {
		return 0, nil
	}
	for attempt := 1; ; attempt++ {
		code, out, err := r.run(ctx, script, r.environ(phase, event+"_retry_script", true, env, errMsg))
		r.logResult(key, code, out, err)
		if err == nil && (code == 0 || code == AbortContinue || code == AbortStop) {
			return code, nil
		}
		wait := 3 * time.Second
		if attempt%6 == 0 {
			wait = 60 * time.Second
		}
		if err := r.sleep(ctx, wait); err != nil {
			return 0, fmt.Errorf("%s did not succeed before cancellation: %w", key, err)
		}
	}
}

func (r *Runner) sleep(ctx context.Context, d time.Duration) error {
	if r.Sleep != nil {
		return r.Sleep(ctx, d)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// run runs script with sh -c and returns its exit code and output.
func (r *Runner) run(ctx context.Context, script string, env []string) (int, string, error) {
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out.String(), nil
	}
	if err != nil {
		return -1, out.String(), err
	}
	return 0, out.String(), nil
}

func (r *Runner) logResult(key string, code int, out string, err error) {
	if r.Log == nil {
		return
	}
	out = strings.TrimSpace(out)
	switch {
	case err != nil:
		r.Log.Warn("hook script could not run", "server", r.Server, "hook", key, "error", err)
	case code != 0:
		r.Log.Warn("hook script failed", "server", r.Server, "hook", key, "exit_code", code, "output", out)
	default:
		r.Log.Info("hook script ran", "server", r.Server, "hook", key, "exit_code", code, "output", out)
	}
}

// environ builds the environment: barman's own plus the BARMAN_* variables.
func (r *Runner) environ(phase, hook string, retry bool, extra map[string]string, errMsg string) []string {
	vars := map[string]string{
		"BARMAN_VERSION": r.Version, "BARMAN_SERVER": r.Server, "BARMAN_CONFIGURATION": r.ConfigFile,
		"BARMAN_HOOK": hook, "BARMAN_PHASE": phase, "BARMAN_RETRY": "0", "BARMAN_ERROR": errMsg,
	}
	if retry {
		vars["BARMAN_RETRY"] = "1"
	}
	for k, v := range extra {
		vars[k] = v
	}
	env := os.Environ()
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env
}
