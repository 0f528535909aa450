package launch

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Redis is a private redis-server. It persists its data (an append-only file)
// in Dir, as an operator's Redis would, so a restart keeps the state.
type Redis struct {
	Addr string // 127.0.0.1:port
	URL  string // redis://127.0.0.1:port/0
	Dir  string // data and logs

	port int
	proc *Process // nil while stopped
}

// StartRedis starts redis-server on a free port with its files in dir, which
// is created if needed, and waits until it answers PING.
func StartRedis(ctx context.Context, dir string) (*Redis, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("launch: create redis dir: %w", err)
	}
	r := &Redis{Dir: dir}
	err := withFreePorts(1, func(ports []int) error {
		r.port = ports[0]
		r.Addr = Loopback(r.port)
		r.URL = fmt.Sprintf("redis://%s/0", r.Addr)
		return r.Start(ctx)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// Start starts the server again on the same port after Stop.
func (r *Redis) Start(ctx context.Context) error {
	if r.proc != nil {
		return fmt.Errorf("launch: redis on %s is already running", r.Addr)
	}
	logPath := filepath.Join(r.Dir, "redis.log")
	outPath := filepath.Join(r.Dir, "redis.out")
	p, err := startServer("redis-server", "redis-server", []string{
		"--port", strconv.Itoa(r.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--daemonize", "no",
		"--dir", r.Dir,
		"--logfile", logPath,
	}, r.Dir, outPath)
	if err != nil {
		return err
	}
	r.proc = p
	if err := p.waitUntil(ctx, 10*time.Second, func() bool { return redisPing(r.Addr) }); err != nil {
		r.Stop()
		return fmt.Errorf("launch: redis-server on %s did not answer PING (%w); log tail:\n%s\n%s",
			r.Addr, err, Tail(logPath, 20), Tail(outPath, 10))
	}
	return nil
}

// Stop stops the server; clients see connection errors until Start. Stopping
// a stopped server does nothing.
func (r *Redis) Stop() {
	if r.proc == nil {
		return
	}
	r.proc.Stop(5*time.Second, nil)
	r.proc = nil
}

// Kill crashes the server (SIGKILL); Start brings it back with what its
// append-only file kept.
func (r *Redis) Kill() {
	if r.proc == nil {
		return
	}
	r.proc.Kill()
	r.proc = nil
}

// Signal sends sig to the server's process group, e.g. SIGSTOP to freeze
// it for a test of a hung dependency; it does nothing while stopped.
func (r *Redis) Signal(sig syscall.Signal) error {
	if r.proc == nil {
		return nil
	}
	if err := syscall.Kill(-r.proc.Pid(), sig); err != nil {
		return fmt.Errorf("launch: signal redis-server: %w", err)
	}
	return nil
}

// redisPing speaks just enough RESP to know the server is serving commands,
// which an open port alone does not prove.
func redisPing(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}
