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
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := noArgs(rest, true); err != nil {
		return err
	}
	log, err := lf.logger(stderr)
	if err != nil {
		return err
	}
	var cfg *config.Config
	switch {
	case *cfgPath != "" && (fc.Origin != "" || fc.Secondary != "" || fc.HooksDir != "" || fc.FailoverCodes != ""):
		return usageError{"--config cannot be combined with --origin, --secondary, --hooks or --failover-codes (the config's origin_groups say when to fail over)"}
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
	// The flags win over the file, also over each version a reload reads (listen apart: it
	// cannot change while running, which a reload that changes it in the file says).
	cfg.Overrides = func(cfg *config.Config) {
		df.apply(cfg)
		if *poll {
			cfg.Watch.Poll = true
			if !cfg.Watch.PollInterval.Set {
				cfg.Watch.PollInterval.Duration = time.Second
			}
		}
		if *pollInterval > 0 {
			cfg.Watch.PollInterval.Duration = *pollInterval
		}
	}
	cfg.Overrides(cfg)
	for _, w := range cfg.Warnings {
		log.Warn("config", "problem", w.String())
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
	// Taken over before anything slow: their default action ends the process, and systemd's
	// reload or logrotate may send them while the hooks load. They are handled once the edge runs.
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGUSR1)
	defer signal.Stop(sigs)
	adm, err := openAdmin(cfg, admin.DefaultListen, log)
	if err != nil {
		return err
	}
	tl, err := openTLS(ctx, cfg, log) // before the edge starts: redirects need its port
	if err != nil {
		adm.close()
		return err
	}
	defer tl.close() // after the drain, or when start-up fails
	wq, err := openWriteQueues(ctx, cfg, log, adm.addr())
	if err != nil {
		adm.close()
		return err
	}
	defer func() {
		if wq != nil {
			_ = wq.Close()
		}
	}()
	op, err := newOps(cfg, log, adm.l != nil, wq)
	if err != nil {
		adm.close()
		return err
	}
	defer op.close()
	// The admin listener outlives the drain: /readyz says "draining" while requests finish.
	actx, stopAdmin := context.WithCancel(context.Background())
	defer stopAdmin()
	adm.mounts = append(adm.mounts, mountWriteQueues(wq))
	adm.start(actx, cfg, op)
	lv, err := startLive(ctx, cfg, log, op.edgeOptions(adm.observers()))
	if err != nil {
		return err
	}
	startWriteQueues(wq, lv.srv)
	guardCache(lv, cfg, log)
	adm.attach(lv, cfg)
	op.attach(lv)
	defer func() { lv.srv.Distribution().Close(); lv.srv.Close() }()
	defer lv.shared.close()
	if c := lv.srv.Cache(); c != nil {
		go tuneGC(ctx, func() int64 { return c.Stats().Bytes })
	}
	go func() {
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGUSR1 {
					op.reopen()
					continue
				}
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
	if ctx.Err() != nil { // told to stop while starting: neither listen nor say ready
		log.Info("stopped", "before", "listening")
		return nil
	}
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
	errc := make(chan error, 2)
	go func() { errc <- hs.Serve(l) }()
	tl.serve(hs, errc)
	tl.logListening(log, cfg.TLS)
	op.setReady()
	log.Info("listening", "addr", "http://"+l.Addr().String(), "config", cfg.Path, "distribution", cfg.Describe())
	if ready != nil {
		ready(l.Addr().String(), adm.addr())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	op.setDraining()
	if d := cfg.Server.ShutdownDelay.Duration; d > 0 {
		// Load balancers see /readyz fail and stop sending; until then, requests are served.
		log.Info("shutting down: /readyz answers 503; still serving for the shutdown delay", "delay", d)
		time.Sleep(d)
	}
	log.Info("shutting down", "drain_timeout", cfg.Server.ShutdownTimeout.Duration)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.Duration)
	defer cancel()
	if err := errors.Join(hs.Shutdown(sctx), tl.shutdown(sctx)); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("shutting down: %w", err)
	} else if err != nil {
		log.Warn("requests still running after the drain timeout were cut off", "timeout", cfg.Server.ShutdownTimeout.Duration)
		_ = hs.Close() // the HTTPS listener's are cut off by tl.close
	}
	log.Info("stopped")
	return nil
}
