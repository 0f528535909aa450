package testenv

import (
	"bufio"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Redis is a redis-server process private to one test. It keeps nothing on
// disk: restarting it empties it.
type Redis struct {
	Addr string // 127.0.0.1:port
	URL  string // redis://127.0.0.1:port/0

	port int
	dir  string
	proc *proc // nil while stopped
}

// StartRedis starts redis-server on a free port and waits until it answers
// PING. t.Cleanup stops it.
func StartRedis(t testing.TB) *Redis {
	t.Helper()
	r := &Redis{dir: t.TempDir()}
	t.Cleanup(func() { r.stop() })
	for attempt := 1; ; attempt++ {
		r.port = FreePort(t)
		r.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port))
		r.URL = fmt.Sprintf("redis://127.0.0.1:%d/0", r.port)
		err := r.start()
		if err == nil {
			return r
		}
		if attempt == 3 || !portTaken(err) {
			t.Fatal(err)
		}
	}
}

// Start starts the server again on the same port after Stop.
func (r *Redis) Start(t testing.TB) {
	t.Helper()
	if r.proc != nil {
		t.Fatalf("testenv: redis on %s is already running", r.Addr)
	}
	if err := r.start(); err != nil {
		t.Fatal(err)
	}
}

func (r *Redis) start() error {
	bin, err := lookBinary("redis-server", "redis-server")
	if err != nil {
		return err
	}
	logPath := filepath.Join(r.dir, "redis.log")
	outPath := filepath.Join(r.dir, "redis.out")
	p, err := startProc(bin, []string{
		"--port", strconv.Itoa(r.port),
		"--bind", "127.0.0.1",
		// Persist like an operator's Redis would, so that a test can stop
		// and restart it without losing state.
		"--save", "",
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--daemonize", "no",
		"--dir", r.dir,
		"--logfile", logPath,
	}, r.dir, outPath)
	if err != nil {
		return err
	}
	r.proc = p

	deadline := time.Now().Add(10 * time.Second)
	for !redisPing(r.Addr) {
		if p.exited() || time.Now().After(deadline) {
			r.stop()
			return fmt.Errorf("testenv: redis-server on %s did not answer PING (exit: %v); log tail:\n%s\n%s",
				r.Addr, p.err, tail(logPath, 20), tail(outPath, 10))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return nil
}

// Stop stops the server; clients see connection errors until Start. Stopping
// a stopped server does nothing.
func (r *Redis) Stop(t testing.TB) {
	t.Helper()
	r.stop()
}

func (r *Redis) stop() {
	if r.proc == nil {
		return
	}
	r.proc.stop(5*time.Second, nil)
	r.proc = nil
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
