package barman

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/gobarman/barman/internal/cli/clikit"
	"github.com/gobarman/barman/pkg/lock"
	"github.com/gobarman/barman/pkg/server"
	"github.com/gobarman/barman/pkg/walname"
	"github.com/gobarman/barman/pkg/walreceive"
)

// ReceiveWALCmd is `barman receive-wal SERVER`: stream WAL into the
// server's streaming directory until stopped.
type ReceiveWALCmd struct {
	Stop        bool   `help:"Stop the receive-wal process of the server."`
	Reset       bool   `help:"Reset the status of receive-wal: restart from the slot's (or the server's) position."`
	CreateSlot  bool   `name:"create-slot" help:"Create the replication slot (slot_name)."`
	IfNotExists bool   `name:"if-not-exists" help:"With --create-slot: an existing slot is not an error."`
	DropSlot    bool   `name:"drop-slot" help:"Drop the replication slot (slot_name)."`
	Server      string `arg:"" name:"server_name" help:"Server name."`
}

// Run does what the options ask; without any, it receives WAL in the
// foreground until interrupted (SIGINT, SIGTERM or --stop).
func (c *ReceiveWALCmd) Run(env *Env) error {
	servers, err := env.Servers([]string{c.Server})
	if err != nil {
		return err
	}
	s := servers[0]
	switch {
	case c.Stop && c.Reset:
		return errors.New("--stop and --reset options are not compatible")
	case c.Stop:
		return stopReceiveWAL(env, s, true)
	case c.CreateSlot:
		return c.createSlot(env, s)
	case c.DropSlot:
		return c.dropSlot(env, s)
	}
	if !s.Active && !c.Reset {
		return fmt.Errorf("inactive server %s: set active = true in its section to receive its WAL", s.Name)
	}
	if !s.Streaming.Archiver {
		return errors.New("Unable to start receive-wal process: streaming_archiver option set to 'off' in barman configuration file")
	}
	if !c.Reset {
		env.Out.Info("Starting receive-wal for server %s", s.Name)
	}
	// A short wait: check's look at the lock, or cron's, holds it a moment.
	lk, err := lock.Acquire(env.Ctx, s.ReceiveWALLock(), "receive-wal", 2*time.Second)
	var le *lock.LockedError
	if errors.As(err, &le) {
		if c.Reset {
			env.Out.Info("Unable to reset the status of receive-wal for server %s. Process is still running", s.Name)
		} else {
			env.Out.Info("Another receive-wal process is already running for server %s.", s.Name)
		}
		return nil
	}
	if err != nil {
		return err
	}
	defer lk.Unlock()
	opt := receiveOptions(env, s)
	if c.Reset {
		return walreceive.Reset(env.Ctx, opt, env.Out)
	}
	err = walreceive.Run(env.Ctx, opt)
	if err != nil {
		// Started by cron, nobody reads its standard error: the log says why it ended.
		env.Log.Error("receive-wal ended", "server", s.Name, "error", err.Error(), "hint", clikit.HintOf(err))
		return err
	}
	env.Out.Info("receive-wal for server %s stopped", s.Name)
	return nil
}

// receiveOptions are the receiver's settings for server s.
func receiveOptions(env *Env, s *server.Server) walreceive.Options {
	a := s.Archive(env.Log)
	return walreceive.Options{
		Server:     s.Name,
		Conninfo:   s.Streaming.Conninfo,
		AppName:    s.Streaming.Name,
		Slot:       s.Streaming.Slot,
		CreateSlot: s.Streaming.CreateSlot == server.CreateSlotAuto,
		Dir:        s.Layout.StreamingDir(),
		Log:        &logReporter{env: env},
		HaveHistory: func(tli uint32) bool {
			_, err := a.Find(walname.HistoryName(tli), false)
			return err == nil
		},
	}
}

// logReporter reports on the output and in the log: a receive-wal that
// cron started has no terminal.
type logReporter struct{ env *Env }

func (r *logReporter) Info(format string, args ...any) {
	r.env.Out.Info(format, args...)
	r.env.Log.Info(fmt.Sprintf(format, args...))
}

func (r *logReporter) Warning(format string, args ...any) {
	r.env.Out.Warning(format, args...)
	r.env.Log.Warn(fmt.Sprintf(format, args...))
}

func (r *logReporter) Error(format string, args ...any) {
	r.env.Out.Error(format, args...)
	r.env.Log.Error(fmt.Sprintf(format, args...))
}

func (c *ReceiveWALCmd) createSlot(env *Env, s *server.Server) error {
	opt := receiveOptions(env, s)
	if opt.Slot == "" {
		return errors.New("Unable to create a physical replication slot: slot_name configuration option required")
	}
	env.Out.Info("Creating physical replication slot '%s' on server '%s'", opt.Slot, s.Name)
	err := walreceive.CreateSlot(env.Ctx, opt.Conninfo, opt.AppName, opt.Slot)
	switch {
	case errors.Is(err, walreceive.ErrSlotExists) && c.IfNotExists:
		env.Out.Info("Replication slot '%s' already exists", opt.Slot)
		return nil
	case errors.Is(err, walreceive.ErrSlotExists):
		return clikit.WithHint(fmt.Errorf("Replication slot '%s' already exists", opt.Slot), "add --if-not-exists to accept an existing slot")
	case err != nil:
		return fmt.Errorf("Cannot create replication slot '%s' on server '%s': %w", opt.Slot, s.Name, err)
	}
	env.Out.Info("Replication slot '%s' created", opt.Slot)
	return nil
}

func (c *ReceiveWALCmd) dropSlot(env *Env, s *server.Server) error {
	opt := receiveOptions(env, s)
	if opt.Slot == "" {
		return errors.New("Unable to drop a physical replication slot: slot_name configuration option required")
	}
	env.Out.Info("Dropping physical replication slot '%s' on server '%s'", opt.Slot, s.Name)
	err := walreceive.DropSlot(env.Ctx, opt.Conninfo, opt.AppName, opt.Slot)
	switch {
	case errors.Is(err, walreceive.ErrNoSlot):
		return fmt.Errorf("Replication slot '%s' does not exist", opt.Slot)
	case err != nil:
		return fmt.Errorf("Cannot drop replication slot '%s' on server '%s': %w", opt.Slot, s.Name, err)
	}
	env.Out.Info("Replication slot '%s' dropped", opt.Slot)
	return nil
}

// stopReceiveWAL stops the receive-wal process of s: SIGINT to the pid in
// its lock file, then waits up to 10 s for the lock to be free (SIGTERM
// after 5 s).
func stopReceiveWAL(env *Env, s *server.Server, mustExist bool) error {
	path := s.ReceiveWALLock()
	pid, held, err := lock.Held(path)
	if err != nil {
		return err
	}
	if !held {
		if mustExist {
			return fmt.Errorf("Termination of receive-wal failed: no such process for server %s", s.Name)
		}
		return nil
	}
	if pid <= 0 {
		return fmt.Errorf("cannot stop receive-wal of server %s: no pid in %s", s.Name, path)
	}
	p, _ := os.FindProcess(pid)
	if err := p.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("Cannot terminate process receive-wal(%d): %w", pid, err)
	}
	for i := range 100 {
		if i == 50 {
			p.Signal(syscall.SIGTERM)
		}
		time.Sleep(100 * time.Millisecond)
		if _, held, err := lock.Held(path); err == nil && !held {
			env.Out.Info("Stopped process receive-wal(%d)", pid)
			return nil
		}
	}
	return fmt.Errorf("Cannot terminate process receive-wal(%d)", pid)
}

// cronReceiveWAL is cron's part for receive-wal: a streaming server gets
// a receive-wal process in the background when none holds its lock (it
// died, or was never started); a server whose streaming_archiver is off
// has its receive-wal stopped.
func cronReceiveWAL(env *Env, s *server.Server) error {
	if !s.Streaming.Archiver {
		return stopReceiveWAL(env, s, false)
	}
	pid, held, err := lock.Held(s.ReceiveWALLock())
	if err != nil {
		return err
	}
	if held {
		env.Log.Debug("receive-wal is running", "server", s.Name, "pid", pid)
		return nil
	}
	// The child takes the lock; a receive-wal started meanwhile makes it
	// exit at once ("already running").
	env.Out.Info("Starting streaming archiver for server %s", s.Name)
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("start receive-wal for server %s: %w", s.Name, err)
	}
	cmd := exec.Command(exe, "-c", env.Cfg.MainFile, "receive-wal", s.Name)
	cmd.Args[0] = os.Args[0] // the name it was run by (a multi-call binary dispatches on it)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start receive-wal for server %s: %w", s.Name, err)
	}
	return cmd.Process.Release()
}
