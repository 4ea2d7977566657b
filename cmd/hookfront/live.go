package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"sync"

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
	listen string // fixed for the process

	mu        sync.Mutex
	cfg       *config.Config
	reg       *hooks.Registry
	stopHooks context.CancelFunc
	tried     string // digest of the config file content last loaded, or refused
}

func startLive(ctx context.Context, cfg *config.Config, log *slog.Logger) (*live, error) {
	l := &live{ctx: ctx, log: log, cfg: cfg, listen: cfg.Listen}
	if cfg.Path != config.FlagsPath {
		l.tried, _ = fileDigest(cfg.Path)
	}
	reg, err := loadHooks(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	d, err := cfg.Distribution()
	if err != nil {
		return nil, err
	}
	d.Hooks = hookSource(reg)
	l.srv, err = edge.NewServer(d, edge.Options{Logger: log, CacheBytes: int64(cfg.Cache.MaxSize), MaxObjectBytes: int64(cfg.Cache.MaxObject)})
	if err != nil {
		return nil, err
	}
	l.reg = reg
	l.watchHooks()
	if cfg.Path != config.FlagsPath {
		go l.watchConfig()
	}
	return l, nil
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
	go func() {
		var lastReadErr string
		err := hooks.Watch(ctx, dir, opt, func() {
			src, err := folder.Read()
			if err != nil {
				if err.Error() != lastReadErr { // said once, not at every rescan
					l.log.Error("hooks folder unreadable; the current hooks keep serving", "dir", dir, "error", err)
				}
				lastReadErr = err.Error()
				return
			}
			lastReadErr = ""
			l.reloadHooks(ctx, reg, src)
		})
		if err != nil {
			l.log.Error("hot reload of hooks is off", "error", err)
		}
	}()
}

// reloadHooks loads a snapshot into reg and logs one line about it.
func (l *live) reloadHooks(ctx context.Context, reg *hooks.Registry, src jsruntime.Source) {
	res, err := reg.Load(ctx, src)
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
	cfg, err := config.Load(old.Path)
	if err != nil {
		l.log.Error("config reload refused; the running config stays", "why", why, "problems", fmt.Sprint(err))
		return
	}
	if cfg.Listen != old.Listen && cfg.Listen != l.listen {
		l.log.Warn("listen cannot change while running; restart to use the new address", "listening", l.listen, "config", cfg.Listen)
	}
	cfg.Listen = l.listen
	if cfg.Cache.MaxSize != old.Cache.MaxSize || cfg.Cache.MaxObject != old.Cache.MaxObject {
		l.log.Warn("cache sizes cannot change while running; restart to use them")
	}
	reg := l.reg
	hooksChanged := cfg.Resolve(cfg.HooksDir) != old.Resolve(old.HooksDir) ||
		!reflect.DeepEqual(hookSettings(cfg), hookSettings(old)) || cfg.Watch != old.Watch
	if hooksChanged {
		if reg, err = loadHooks(l.ctx, cfg, l.log); err != nil {
			l.log.Error("config reload refused: its hooks do not load; the running config stays", "why", why, "error", err)
			return
		}
	}
	prev := l.srv.Distribution()
	d, err := cfg.Distribution()
	if err == nil {
		d.Hooks = hookSource(reg)
		err = l.srv.Swap(d)
	}
	if err != nil {
		l.log.Error("config reload refused; the running config stays", "why", why, "error", err)
		return
	}
	prev.Close() // idle origin connections only; requests in flight finish on it
	l.cfg, l.reg = cfg, reg
	if hooksChanged {
		l.watchHooks()
	}
	l.log.Info("config reloaded", "why", why, "config", cfg.Path, "distribution", cfg.Describe())
}

// hookSettings is what decides whether the hooks registry must be rebuilt.
func hookSettings(c *config.Config) any {
	out := map[string]any{"timeouts": c.HookTimeouts}
	for _, b := range c.Behaviors {
		out["b:"+b.PathPattern] = b.Hooks
	}
	return out
}

// fileDigest identifies a file's content.
func fileDigest(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}
