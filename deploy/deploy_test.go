// Package deploy holds the configuration files an operator installs next
// to the gateway; its test checks that the servers accept them.
package deploy

import (
	"context"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/testenv"
)

// TestRedisConf starts redis-server with redis.conf (on a free port, in a
// temporary directory) and checks the settings the ledger's durability and
// the no-eviction promise rest on.
func TestRedisConf(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server (skipped with -short)")
	}
	conf, err := filepath.Abs("redis.conf")
	if err != nil {
		t.Fatal(err)
	}
	port := testenv.FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "redis-server", conf, "--port", strconv.Itoa(port), "--dir", t.TempDir(), "--daemonize", "no")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port)})
	defer rdb.Close()
	for i := 0; rdb.Ping(ctx).Err() != nil; i++ {
		if i == 100 {
			t.Fatal("redis-server with deploy/redis.conf does not answer")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for key, want := range map[string]string{
		"appendonly": "yes", "appendfsync": "always", "maxmemory-policy": "noeviction", "protected-mode": "yes",
	} {
		got, err := rdb.ConfigGet(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got[key] != want {
			t.Errorf("deploy/redis.conf: %s is %q, want %q", key, got[key], want)
		}
	}
}
