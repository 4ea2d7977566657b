package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/jsruntime"
)

// live is a running edge: its server, the config it runs, the hooks registry and the watchers
// that reload them. Reloads build everything off to the side and swap it in at once; anything
// broken is refused and the running version stays.
type live struct {
	ctx    context.Context
	log    *slog.Logger
	srv    *edge.Server
	shared *sharedTier  // nil without cache.shared
	listen string       // fixed for the process
	gens   atomic.Int64 // numbers hook generations across the registries config reloads make
	hints  *nameHints   // --hooks mode: warns of files named nearly like a trigger

	mu        sync.Mutex
	cfg       *config.Config
	reg       *hooks.Registry
	stopHooks context.CancelFunc
	tried     string         // digest of the config file content last loaded, or refused
	blocked   *blockedConfig // a valid config refused only because its hooks did not load

	followMu  sync.Mutex
	followers []func(*reloadOutcome) // see reloads.go
}

// blockedConfig is a config refused because its hooks did not load, with the registry that
// tried them. It is not refused for good: it applies once its hooks load (a fixed helper), which
// is checked at every rescan of the hooks folder and of the config.
type blockedConfig struct {
	cfg *config.Config
	reg *hooks.Registry
}

// startLive starts the edge for cfg; opt gives its observers and access log (the rest comes
// from cfg).
func startLive(ctx context.Context, cfg *config.Config, log *slog.Logger, opt edge.Options) (*live, error) {
	l := &live{ctx: ctx, log: log, cfg: cfg, listen: cfg.Listen}
	if cfg.Path != config.FlagsPath {
		l.tried, _ = fileDigest(cfg.Path)
	} else {
		l.hints = &nameHints{}
	}
	reg, err := l.buildHooks(cfg)
	if err != nil {
		return nil, err
	}
	d, err := cfg.Distribution()
	if err != nil {
		return nil, err
	}
	d.Hooks = hookSource(reg)
	if l.shared, err = openShared(cfg, log); err != nil {
		return nil, err
	}
	opt.Logger, opt.CacheBytes, opt.MaxObjectBytes = log, cacheBytes(cfg), int64(cfg.Cache.MaxObject)
	opt.ReadBodyTimeout, opt.MaxHeaderBytes = cfg.Server.ReadBodyTimeout.Duration, int(cfg.Server.MaxHeaderBytes)
	opt.WriteBufferBytes = int64(cfg.Server.WriteBuffer)
	opt.Shared = l.shared.tier()
	l.srv, err = edge.NewServer(d, opt)
	if err != nil {
		l.shared.close()
		return nil, err
	}
	l.shared.serving(l.srv)
	l.reg = reg
	l.watchHooks()
	if cfg.Path != config.FlagsPath {
		go l.watchConfig()
	}
	return l, nil
}

// buildHooks makes the hooks registry of cfg and loads its folder once. The registry comes back
// also when the folder does not load (it is nil only when cfg has no hooks folder).
func (l *live) buildHooks(cfg *config.Config) (*hooks.Registry, error) {
	reg := newHooks(cfg, l.log, &l.gens)
	if reg == nil {
		return nil, nil
	}
	dir := cfg.Resolve(cfg.HooksDir)
	src, err := hooks.ReadDir(dir)
	if err != nil {
		return reg, err
	}
	l.hints.warn(src, l.log)
	return reg, placeMissing(cfg, dir, src, loadHooks(l.ctx, reg, src, l.log))
}

// watchHooks starts watching the current hooks folder (stopping the previous watcher).
func (l *live) watchHooks() {
	if l.stopHooks != nil {
		l.stopHooks()
		l.stopHooks = nil
	}
	cfg, reg := l.cfg, l.reg
	if reg == nil {
		return
	}
	ctx, cancel := context.WithCancel(l.ctx)
	l.stopHooks = cancel
	dir := cfg.Resolve(cfg.HooksDir)
	opt := hooks.WatchOptions{Debounce: cfg.Watch.Debounce.Duration, Poll: cfg.Watch.PollInterval.Duration, PollOnly: cfg.Watch.Poll, Log: l.log}
	folder := hooks.NewFolder(dir, l.log) // remembers what it read: a rescan reads only changed files
	var (
		mu          sync.Mutex // rescans come from the folder's watcher and the stores' (kvs_watch.go)
		lastReadErr string
	)
	rescan := func() {
		mu.Lock()
		defer mu.Unlock()
		src, err := folder.Read()
		if err != nil {
			if err.Error() != lastReadErr { // said once, not at every rescan
				l.log.Error("hooks folder unreadable; the current hooks keep serving", "dir", dir, "error", err)
			}
			lastReadErr = err.Error()
			return
		}
		lastReadErr = ""
		l.hints.warn(src, l.log)
		if l.retryBlocked() {
			return // the blocked config's registry serves now; reg is retired
		}
		// One reload at a time with config reloads: a generation reg made while a config reload
		// built its successor would serve for a moment with a higher number than the successor's.
		l.mu.Lock()
		defer l.mu.Unlock()
		if ctx.Err() != nil {
			return // a config reload retired reg meanwhile; its successor's watcher rescans
		}
		l.reloadHooks(ctx, reg, src)
	}
	l.watchStores(ctx, cfg, opt, rescan)
	go func() {
		err := hooks.Watch(ctx, dir, opt, rescan)
		if err != nil {
			l.log.Error("hot reload of hooks is off", "error", err)
		}
	}()
}

// reloadHooks loads a snapshot into reg and logs one line about it.
func (l *live) reloadHooks(ctx context.Context, reg *hooks.Registry, src jsruntime.Source) {
	res, err := reg.Load(ctx, src)
	l.reported(&reloadOutcome{kind: "hooks", res: res, err: err, reg: reg})
	switch {
	case err != nil && res.Repeated:
	case err != nil:
		keep := int64(0)
		if res.Generation != nil {
			keep = res.Generation.ID
		}
		l.log.Error("hooks reload failed; the previous generation keeps serving", "serving", keep, "files", res.Files, "took", res.Took, "error", err)
	case res.Changed:
		l.log.Info("hooks reloaded", "generation", res.Generation.ID, "files", res.Files, "took", res.Took)
	}
}

// watchConfig reloads the config when its file changes.
func (l *live) watchConfig() {
	path := l.cfg.Path
	base := filepath.Base(path)
	opt := hooks.WatchOptions{Debounce: l.cfg.Watch.Debounce.Duration, Poll: l.cfg.Watch.PollInterval.Duration, PollOnly: l.cfg.Watch.Poll,
		Log: l.log, Match: func(name string) bool { return name == base }}
	err := hooks.Watch(l.ctx, filepath.Dir(path), opt, func() {
		// A rescan happens on every event near the file and at every poll: reload only when the
		// content differs from what was last loaded or refused.
		sum, err := fileDigest(path)
		l.mu.Lock()
		same := sum == l.tried
		l.mu.Unlock()
		if err == nil && !same {
			l.ReloadConfig("file changed")
		} else {
			l.retryBlocked() // its hooks folder may be another one, which no one else watches
		}
	})
	if err != nil {
		l.log.Error("hot reload of the config is off", "error", err)
	}
}

// ReloadConfig loads the config file again and swaps in what it describes: behaviors, origins,
// groups, error pages, hook bindings and the hooks folder. An invalid config is refused.
func (l *live) ReloadConfig(why string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	old := l.cfg
	l.tried, _ = fileDigest(old.Path)
	l.blocked = nil
	cfg, err := config.Load(old.Path)
	if err != nil {
		l.log.Error("config reload refused; the running config stays", "why", why, "problems", fmt.Sprint(err))
		l.reported(&reloadOutcome{kind: "config", why: why, err: err})
		return
	}
	if cfg.Overrides = old.Overrides; cfg.Overrides != nil {
		cfg.Overrides(cfg)
	}
	if cfg.FileListen != old.FileListen && cfg.Listen != l.listen {
		l.log.Warn("listen cannot change while running; restart to use the new address", "listening", l.listen, "config", cfg.Listen)
	}
	cfg.Listen = l.listen
	keepTLS(old, cfg, l.log)
	if cfg.Cache.MaxSize != old.Cache.MaxSize || cfg.Cache.MaxObject != old.Cache.MaxObject {
		l.log.Warn("cache sizes cannot change while running; restart to use them")
	}
	warnRestartOnly(old, cfg, l.log)
	if cfg.Cache.Shared != old.Cache.Shared {
		l.log.Warn("cache.shared cannot change while running; restart to use it")
	}
	if queuesChanged(cfg, old) {
		l.log.Warn("write_failover.queue cannot change while running; restart to use it (the queues open now keep delivering)")
	}
	reg := l.reg
	hooksChanged := cfg.Resolve(cfg.HooksDir) != old.Resolve(old.HooksDir) ||
		!reflect.DeepEqual(hookSettings(cfg), hookSettings(old)) || cfg.Watch != old.Watch
	if hooksChanged {
		if reg, err = l.buildHooks(cfg); err != nil {
			if reg != nil {
				l.blocked = &blockedConfig{cfg: cfg, reg: reg}
			}
			l.log.Error("config reload refused: its hooks do not load; the running config stays until they do", "why", why, "error", err)
			l.reported(&reloadOutcome{kind: "config", why: why, err: err})
			return
		}
	}
	l.apply(cfg, reg, why)
}

// retryBlocked applies the config refused for its hooks alone once they load, and reports
// whether it did. An unchanged folder costs a read and a hash (the registry remembers what
// failed).
func (l *live) retryBlocked() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.blocked
	if b == nil {
		return false
	}
	src, err := hooks.ReadDir(b.cfg.Resolve(b.cfg.HooksDir))
	if err != nil {
		return false
	}
	res, err := b.reg.Load(l.ctx, src)
	if err != nil {
		if !res.Repeated {
			l.log.Error("config reload still refused: its hooks do not load", "config", b.cfg.Path, "error", err)
			l.reported(&reloadOutcome{kind: "config", why: "its hooks changed", err: err})
		}
		return false
	}
	l.blocked = nil
	l.log.Info("hooks loaded", "generation", res.Generation.ID, "files", res.Generation.Files, "took", res.Took)
	return l.apply(b.cfg, b.reg, "its hooks load now")
}

// apply swaps in cfg with its hooks registry and reports whether it did. l.mu is held.
func (l *live) apply(cfg *config.Config, reg *hooks.Registry, why string) bool {
	prev := l.srv.Distribution()
	d, err := cfg.Distribution()
	if err == nil {
		d.Hooks = hookSource(reg)
		err = l.srv.Swap(d)
	}
	if err != nil {
		l.log.Error("config reload refused; the running config stays", "why", why, "error", err)
		l.reported(&reloadOutcome{kind: "config", why: why, err: err})
		return false
	}
	prev.Close() // idle origin connections only; requests in flight finish on it
	hooksMoved := reg != l.reg
	l.cfg, l.reg = cfg, reg
	if hooksMoved {
		l.watchHooks()
	}
	l.log.Info("config reloaded", "why", why, "config", cfg.Path, "distribution", cfg.Describe())
	l.reported(&reloadOutcome{kind: "config", why: why, cfg: cfg, reg: reg, newHooks: hooksMoved})
	return true
}

// hookSettings is what decides whether the hooks registry must be rebuilt.
func hookSettings(c *config.Config) any {
	out := map[string]any{"timeouts": c.HookTimeouts, "stores": c.KeyValueStores}
	for _, b := range c.Behaviors {
		out["b:"+b.PathPattern] = b.Hooks
		out["f:"+b.PathPattern] = b.Functions
	}
	return out
}

// fileDigest identifies a file's content, as far as a config may go (a larger file is refused
// whatever follows).
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, config.MaxFileBytes+1)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
