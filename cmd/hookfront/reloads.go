package main

import (
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
