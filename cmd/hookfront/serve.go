package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/hookfront/hookfront/admin"
	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
)

func serveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfgPath = fs.String("config", "", "config file (YAML or JSON)")
		fc      config.FlagConfig
		lf      logFlags
		df      devFlags
	)
	fs.StringVar(&fc.Listen, "listen", "", "address to listen on (overrides the config; default "+config.DefaultListen+")")
	fs.StringVar(&fc.Origin, "origin", "", "origin URL, when there is no config file")
	fs.StringVar(&fc.Secondary, "secondary", "", "secondary origin URL: makes an origin group with --origin as primary")
	fs.StringVar(&fc.HooksDir, "hooks", "", "hooks folder, when there is no config file")
	fs.StringVar(&fc.FailoverCodes, "failover-codes", "", "statuses that fail over to --secondary (default 500,502,503,504)")
	poll := fs.Bool("poll", false, "watch the hooks folder and config by polling only (Docker bind mounts, network filesystems)")
	pollInterval := fs.Duration("poll-interval", 0, "how often to rescan the hooks folder and config (default 5s, or 1s with --poll)")
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile (go tool pprof) to this file until the edge stops")
	lf.register(fs)
	df.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	var cfg *config.Config
	switch {
	case *cfgPath != "" && (fc.Origin != "" || fc.Secondary != "" || fc.HooksDir != ""):
		return usageError{"--config cannot be combined with --origin, --secondary or --hooks"}
	case *cfgPath != "":
		if cfg, err = config.Load(*cfgPath); err != nil {
			return err
		}
		if fc.Listen != "" {
			cfg.Listen = fc.Listen
		}
	case fc.Origin != "":
		if cfg, err = config.FromFlags(fc); err != nil {
			return err
		}
	default:
		return usageError{"give --config FILE, or --origin URL"}
	}
	df.apply(cfg)
	for _, w := range cfg.Warnings {
		log.Warn("config", "problem", w.String())
	}
	if *poll {
		cfg.Watch.Poll = true
		if !cfg.Watch.PollInterval.Set {
			cfg.Watch.PollInterval.Duration = time.Second
		}
	}
	if *pollInterval > 0 {
		cfg.Watch.PollInterval.Duration = *pollInterval
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return serve(ctx, cfg, log, nil)
}

// serve runs the edge for cfg until ctx ends, then drains in-flight requests (bounded by the
// shutdown timeout). ready, when not nil, is told the edge's address once it listens, and the
// admin listener's ("" when off).
func serve(ctx context.Context, cfg *config.Config, log *slog.Logger, ready func(addr, adminAddr string)) error {
	adm, err := openAdmin(cfg, admin.DefaultListen, log)
	if err != nil {
		return err
	}
	lv, err := startLive(ctx, cfg, log, adm.observers()...)
	if err != nil {
		adm.close()
		return err
	}
	guardCache(lv, cfg, log)
	adm.serve(ctx, lv, cfg)
	defer func() { lv.srv.Distribution().Close() }()
	defer lv.shared.close()
	if c := lv.srv.Cache(); c != nil {
		go tuneGC(ctx, func() int64 { return c.Stats().Bytes })
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for {
			select {
			case <-hup:
				if cfg.Path == config.FlagsPath {
					log.Warn("SIGHUP: there is no config file to reload")
					continue
				}
				lv.ReloadConfig("SIGHUP")
			case <-ctx.Done():
				return
			}
		}
	}()
	l, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Listen, err)
	}
	hs := &http.Server{
		Handler:           lv.srv,
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout.Duration,
		IdleTimeout:       cfg.Server.IdleTimeout.Duration,
		// The edge enforces server.max_header_bytes itself, with its own 431 page and a log line;
		// net/http only stops heads far larger.
		MaxHeaderBytes: edge.NetHTTPMaxHeaderBytes(int(cfg.Server.MaxHeaderBytes)),
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(l) }()
	log.Info("listening", "addr", "http://"+l.Addr().String(), "config", cfg.Path, "distribution", cfg.Describe())
	if ready != nil {
		ready(l.Addr().String(), adm.addr())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "drain_timeout", cfg.Server.ShutdownTimeout.Duration)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.Duration)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutting down: %w", err)
	} else if err != nil {
		log.Warn("requests still running after the drain timeout were cut off", "timeout", cfg.Server.ShutdownTimeout.Duration)
		_ = hs.Close()
	}
	log.Info("stopped")
	return nil
}
