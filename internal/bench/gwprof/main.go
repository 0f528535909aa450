// Command gwprof runs the gateway exactly as `switchboard run -c FILE` does
// (internal/app), and writes a CPU profile of the whole run when it is
// stopped with SIGTERM or SIGINT. The benchmark uses it instead of the real
// binary when BENCH_CPUPROFILE is set, since the gateway itself exposes no
// profiler.
//
//	gwprof -c FILE -cpuprofile FILE
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/switchboard-gw/switchboard/internal/app"
)

func main() {
	path := flag.String("c", "", "configuration file")
	prof := flag.String("cpuprofile", "", "write a CPU profile here")
	flag.Parse()
	if err := run(*path, *prof); err != nil {
		fmt.Fprintln(os.Stderr, "gwprof:", err)
		os.Exit(1)
	}
}

func run(path, prof string) error {
	cfg, err := app.LoadConfig(path, os.Environ())
	if err != nil {
		return err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	redis.SetLogger(redisLog{log})
	app.TuneGC()
	g, err := app.New(cfg, log)
	if err != nil {
		return err
	}
	if prof != "" {
		f, err := os.Create(prof)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return g.Run(ctx)
}

// redisLog keeps go-redis's own lines at debug, as cmd/switchboard does.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
