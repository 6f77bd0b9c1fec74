package sshcmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// sessionsPerConn is how many remote commands share one connection at
// most: below OpenSSH's default MaxSessions (10).
const sessionsPerConn = 8

// conn is a cached connection of the native client.
type conn struct {
	key      string
	client   *ssh.Client
	sessions int  // open sessions, under pool.mu
	dead     bool // closed or broken, under pool.mu
}

// pool holds the native client's connections of this process, keyed by
// the resolved destination, until CloseAll.
var pool = struct {
	mu    sync.Mutex
	conns map[string][]*conn
	dials atomic.Int64 // connections made, for tests
}{conns: map[string][]*conn{}}

// CloseAll closes the native client's cached connections. The programs
// call it before they exit.
func CloseAll() {
	pool.mu.Lock()
	all := pool.conns
	pool.conns = map[string][]*conn{}
	for _, cs := range all {
		for _, c := range cs {
			c.dead = true
		}
	}
	pool.mu.Unlock()
	for _, cs := range all {
		for _, c := range cs {
			c.client.Close()
		}
	}
}

// acquire returns a connection to t with room for one more session,
// counting it; fresh forces a new connection.
func acquire(ctx context.Context, t *target, fresh bool) (*conn, bool, error) {
	key := t.key()
	pool.mu.Lock()
	if !fresh {
		for _, c := range pool.conns[key] {
			if !c.dead && c.sessions < sessionsPerConn {
				c.sessions++
				pool.mu.Unlock()
				return c, true, nil
			}
		}
	}
	pool.mu.Unlock()
	client, err := dial(ctx, t)
	if err != nil {
		return nil, false, err
	}
	pool.dials.Add(1)
	c := &conn{key: key, client: client, sessions: 1}
	pool.mu.Lock()
	pool.conns[key] = append(pool.conns[key], c)
	pool.mu.Unlock()
	go func() {
		client.Wait()
		c.drop()
	}()
	if t.aliveInterval > 0 {
		go keepAlive(c, t.aliveInterval, max(t.aliveCountMax, 1))
	}
	return c, false, nil
}

// release gives back a session slot.
func (c *conn) release() {
	pool.mu.Lock()
	c.sessions--
	pool.mu.Unlock()
}

// drop removes a closed or broken connection from the pool.
func (c *conn) drop() {
	pool.mu.Lock()
	c.dead = true
	list := pool.conns[c.key]
	for i, x := range list {
		if x == c {
			pool.conns[c.key] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	pool.mu.Unlock()
	c.client.Close()
}

// keepAlive is ServerAliveInterval: a connection whose server answers
// no keepalive for count intervals is closed.
func keepAlive(c *conn, interval time.Duration, count int) {
	missed := 0
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for range tick.C {
		reply := make(chan error, 1)
		go func() {
			_, _, err := c.client.SendRequest("keepalive@openssh.com", true, nil)
			reply <- err
		}()
		select {
		case err := <-reply:
			if err != nil {
				return // closed
			}
			missed = 0
		case <-time.After(interval):
			if missed++; missed >= count {
				c.client.Close()
				return
			}
		}
	}
}

// dial connects and authenticates to t.
func dial(ctx context.Context, t *target) (*ssh.Client, error) {
	check, algos, err := hostKeys(t)
	if err != nil {
		return nil, err
	}
	auth, closeAgent := t.auth()
	defer closeAgent()
	cfg := &ssh.ClientConfig{User: t.user, Auth: auth, HostKeyCallback: check, HostKeyAlgorithms: algos}
	if t.connectTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.connectTimeout)
		defer cancel()
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, t.network, t.addr())
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", t.addr(), err)
	}
	if dl, ok := ctx.Deadline(); ok {
		nc.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	sc, chans, reqs, err := ssh.NewClientConn(nc, t.addr(), cfg)
	if !stop() && err == nil {
		sc.Close()
		err = ctx.Err()
	}
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("ssh to %s@%s: %w", t.user, t.addr(), err)
	}
	nc.SetDeadline(time.Time{})
	return ssh.NewClient(sc, chans, reqs), nil
}

// auth is public key authentication with the agent's keys (those of the
// identity files with IdentitiesOnly) then the identity files', as
// OpenSSH. The returned function closes the agent connection.
func (t *target) auth() ([]ssh.AuthMethod, func()) {
	signers := func() ([]ssh.Signer, error) { return t.signers, nil }
	closeAgent := func() {}
	if t.agentSock != "" {
		if ac, err := net.Dial("unix", t.agentSock); err == nil {
			closeAgent = func() { ac.Close() }
			client := agent.NewClient(ac)
			signers = func() ([]ssh.Signer, error) {
				held, err := client.Signers()
				if err != nil {
					debugf("ssh: ssh-agent", "error", err)
				}
				var out []ssh.Signer
				for _, s := range held {
					if t.agentAllows(s.PublicKey()) {
						out = append(out, s)
					}
				}
				return append(out, t.signers...), nil
			}
		} else {
			debugf("ssh: ssh-agent not reachable", "socket", t.agentSock, "error", err)
		}
	}
	return []ssh.AuthMethod{ssh.PublicKeysCallback(signers)}, closeAgent
}

func (t *target) agentAllows(k ssh.PublicKey) bool {
	if t.agentOnly == nil {
		return true
	}
	for _, w := range t.agentOnly {
		if bytes.Equal(w, k.Marshal()) {
			return true
		}
	}
	return false
}

// nativeProcess is a remote command in a session of the native client.
type nativeProcess struct {
	dest      string
	conn      *conn
	sess      *ssh.Session
	stderr    io.Writer
	stdinDone chan error // the copy into the session's stdin, if any
	killed    atomic.Bool
	killCh    chan struct{}
	out       *gate // stdout and stderr, shut once Wait returns
	errOut    *gate
	done      chan struct{}
	err       error
}

// startNative runs remote in a new session on a cached connection to t
// (a new one when the cached one turns out broken). A failure to connect
// is not returned here: like ssh, the process fails, with status 255 and
// the reason on stderr.
func startNative(ctx context.Context, t *target, remote string, stdin io.Reader, stdout, stderr io.Writer) Process {
	p := &nativeProcess{dest: t.user + "@" + t.addr(), stderr: stderr, done: make(chan struct{}), killCh: make(chan struct{})}
	err := p.start(ctx, t, remote, stdin, stdout)
	if err != nil {
		p.err = &ExitError{Code: 255, Err: err}
		if stderr != nil {
			fmt.Fprintf(stderr, "ssh: %v\n", err)
		}
		closeStreams(stdin, stdout, p.err)
		close(p.done)
		return p
	}
	stop := context.AfterFunc(ctx, p.Kill)
	go func() {
		defer close(p.done)
		p.err = p.wait(stdin, stdout)
		stop()
	}()
	return p
}

func (p *nativeProcess) start(ctx context.Context, t *target, remote string, stdin io.Reader, stdout io.Writer) error {
	for _, fresh := range []bool{false, true} {
		c, reused, err := acquire(ctx, t, fresh)
		if err != nil {
			return err
		}
		sess, err := c.client.NewSession()
		if err != nil {
			c.release()
			if reused {
				c.drop() // broken since its last use: once more on a new one
				continue
			}
			return fmt.Errorf("open a session on %s: %w", p.dest, err)
		}
		var in io.WriteCloser
		if stdin != nil {
			if in, err = sess.StdinPipe(); err != nil {
				sess.Close()
				c.release()
				return err
			}
		}
		p.out, p.errOut = newGate(stdout), newGate(p.stderr)
		sess.Stdout, sess.Stderr = p.out, p.errOut
		if err := sess.Start(remote); err != nil {
			sess.Close()
			c.release()
			return fmt.Errorf("start the remote command on %s: %w", p.dest, err)
		}
		p.conn, p.sess = c, sess
		if in != nil {
			p.stdinDone = make(chan error, 1)
			go func() { p.stdinDone <- copyInput(in, stdin, p.Kill) }()
		}
		return nil
	}
	return fmt.Errorf("no connection to %s", p.dest)
}

// Kill ends the remote command: it is sent SIGKILL and its session is
// closed.
func (p *nativeProcess) Kill() {
	if p.sess == nil || p.killed.Swap(true) {
		return
	}
	close(p.killCh)
	p.sess.Signal(ssh.SIGKILL)
	p.sess.Close()
}

func (p *nativeProcess) Wait() error {
	<-p.done
	return p.err
}

// wait waits for the remote command's exit and its output, then for the
// copy into its input (a pipe's reader is closed so that it ends).
func (p *nativeProcess) wait(stdin io.Reader, stdout io.Writer) error {
	ended := make(chan error, 1)
	go func() {
		err := p.sess.Wait()
		p.sess.Close()
		p.conn.release()
		ended <- err
	}()
	var err error
	select {
	case e := <-ended:
		err = p.exitError(e)
	case <-p.killCh:
		// A remote command that outlives the signal (or a server that
		// ignores it) keeps its session, not the caller.
		err = &ExitError{Code: -1, Signal: "KILL"}
	}
	p.out.shut()
	p.errOut.shut()
	if p.stdinDone != nil {
		if pr, ok := stdin.(*io.PipeReader); ok {
			pr.CloseWithError(ErrInputClosed)
		}
		inErr := <-p.stdinDone
		if err == nil && inErr != nil && !errors.Is(inErr, io.EOF) && !isPipeError(inErr) {
			err = inErr
		}
	}
	closeStreams(nil, stdout, err)
	return err
}

// exitError maps the session's end to the Process contract.
func (p *nativeProcess) exitError(err error) error {
	var ee *ssh.ExitError
	switch {
	case p.killed.Load():
		return &ExitError{Code: -1, Signal: "KILL"}
	case err == nil:
		return nil
	case errors.As(err, &ee):
		if ee.Signal() != "" {
			return &ExitError{Code: -1, Signal: ee.Signal()}
		}
		return &ExitError{Code: ee.ExitStatus()}
	}
	var missing *ssh.ExitMissingError
	if errors.As(err, &missing) || errors.Is(err, io.EOF) {
		err = fmt.Errorf("connection to %s lost before the remote command exited", p.dest)
	} else {
		err = fmt.Errorf("ssh to %s: %w", p.dest, err)
	}
	if p.stderr != nil {
		fmt.Fprintf(p.stderr, "ssh: %v\n", err)
	}
	return &ExitError{Code: 255, Err: err}
}

// gate passes writes to w until shut, then drops them: what a killed
// session still receives does not reach the caller after Wait.
type gate struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func newGate(w io.Writer) *gate {
	if w == nil {
		w = io.Discard
	}
	return &gate{w: w}
}

func (g *gate) Write(b []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return len(b), nil
	}
	return g.w.Write(b)
}

func (g *gate) shut() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
