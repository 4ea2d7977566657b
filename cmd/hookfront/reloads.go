package main

import (
	"log/slog"

	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/hooks"
)

// reloadOutcome is what one reload did, for whoever follows reloads: the admin API's reload
// events and hooks state, and watch.invalidate_on_reload.
type reloadOutcome struct {
	kind string // "hooks" or "config"
	why  string
	err  error // the reload was refused; what serves stays

	res hooks.LoadResult // hooks: what the load did
	reg *hooks.Registry  // the registry serving after it (nil without a hooks folder)
	cfg *config.Config   // config: the config serving after it
	// newHooks says a config reload replaced the hooks registry (another folder, bindings or
	// timeouts), so its generations cannot be compared with the old ones.
	newHooks bool

	// Filled in by followers, for the ones after them.
	cacheEmptied bool
	cacheRemoved int
}

// follow adds f to the followers of reloads; they are called in order, one outcome at a time.
func (l *live) follow(f func(*reloadOutcome)) {
	l.followMu.Lock()
	defer l.followMu.Unlock()
	l.followers = append(l.followers, f)
}

// reported hands an outcome to the followers. It is the one call live makes at each outcome.
func (l *live) reported(o *reloadOutcome) {
	l.followMu.Lock()
	defer l.followMu.Unlock()
	for _, f := range l.followers {
		f(o)
	}
}

// registry is the hooks registry serving now.
func (l *live) registry() *hooks.Registry {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reg
}

// warnRestartOnly says which settings of a reloaded config only a restart applies; the running
// ones stay. (listen, tls, the cache sizes, cache.shared, the write queues and access_log say so
// where they are kept.)
func warnRestartOnly(running, loaded *config.Config, log *slog.Logger) {
	a, b := loaded.Admin, running.Admin
	a.Metrics.Set, b.Metrics.Set = false, false // written or not, the same
	if a != b {
		log.Warn("admin cannot change while running (its listener, token, traces and metrics stay as they are); restart to use the new settings")
	}
	if loaded.Server != running.Server {
		log.Warn("server cannot change while running; restart to use the new settings")
	}
	if loaded.Cache.Enabled.On != running.Cache.Enabled.On {
		log.Warn("cache.enabled cannot change while running; restart to use it")
	}
}
