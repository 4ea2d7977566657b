package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"

	"github.com/hookfront/hookfront/admin"
	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/trace"
	"github.com/hookfront/hookfront/hooks"
	"github.com/hookfront/hookfront/jsruntime"
)

// tokenEnv holds the admin token when the config gives none (a secret is better kept out of
// a config file).
const tokenEnv = "HOOKFRONT_ADMIN_TOKEN"

// devFlags are the admin, cache and TLS flags that serve and demo share.
type devFlags struct {
	admin   string
	noCache bool
	tls     tlsFlags
}

func (f *devFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.admin, "admin", "", "admin listener address, or off (default admin.listen, else "+admin.DefaultListen+")")
	fs.BoolVar(&f.noCache, "no-cache", false, "turn the cache off (as cache.enabled: false)")
	f.tls.register(fs)
}

// apply lays the flags over cfg.
func (f *devFlags) apply(cfg *config.Config) {
	if f.admin != "" {
		cfg.Admin.Listen = f.admin
	}
	if f.noCache {
		cfg.Cache.Enabled = config.Switch{On: false, Set: true}
	}
	f.tls.apply(cfg)
}

// cacheBytes is the edge's cache size: negative turns the cache off.
func cacheBytes(cfg *config.Config) int64 {
	if !cfg.Cache.Enabled.On {
		return -1
	}
	return int64(cfg.Cache.MaxSize)
}

// adminListener is the admin listener of a running edge, from before the edge starts (its trace
// ring observes the edge) until the process stops.
type adminListener struct {
	l     net.Listener // nil: admin off
	token string
	ring  *trace.Ring // nil: tracing off
	log   *slog.Logger
	// mounts add endpoints of other parts (the write queues) to the admin API.
	mounts []func(*admin.Server)

	srv   *admin.Server
	hooks *hooksView
	live  atomic.Pointer[live] // the running edge, once started
}

// openAdmin applies the admin address rules and opens the listener: "off" or a taken default
// address mean no admin listener (the latter with a warning); an address that was asked for
// must be had, and one reachable from other machines needs a token.
func openAdmin(cfg *config.Config, defaultAddr string, log *slog.Logger) (*adminListener, error) {
	a := &adminListener{log: log, token: cfg.Admin.Token}
	if a.token == "" {
		a.token = os.Getenv(tokenEnv)
	}
	addr, explicit := cfg.Admin.Listen, cfg.Admin.Listen != ""
	if addr == "off" {
		return a, nil
	}
	if !explicit {
		addr = defaultAddr
	}
	if err := admin.CheckAddr(addr, a.token); err != nil {
		return nil, err
	}
	l, err := admin.Listen(addr, explicit)
	if err != nil {
		return nil, err
	}
	if l == nil {
		log.Warn("admin listener off: its default address is taken (another hookfront?); give --admin ADDR to choose one", "addr", addr)
		return a, nil
	}
	a.l = l
	switch cfg.Admin.Trace {
	case config.TraceFull:
		a.ring = trace.NewRing(cfg.Admin.TraceRequests, edge.DetailFull)
	case config.TraceSummary:
		a.ring = trace.NewRing(cfg.Admin.TraceRequests, edge.DetailCalls)
	}
	return a, nil
}

// observers are what the edge reports requests to.
func (a *adminListener) observers() []edge.Observer {
	if a.ring == nil {
		return nil
	}
	return []edge.Observer{a.ring}
}

// addr is the listener's address, "" when off.
func (a *adminListener) addr() string {
	if a.l == nil {
		return ""
	}
	return a.l.Addr().String()
}

// close releases a listener that never got to serve (start-up failed after it opened).
func (a *adminListener) close() {
	if a.l != nil {
		_ = a.l.Close()
	}
}

// start serves the admin listener until ctx ends (after the drain, so that /readyz can say
// "draining"). The operators' endpoints answer at once; the API about the edge answers once
// attach has given it the running edge.
func (a *adminListener) start(ctx context.Context, cfg *config.Config, op *ops) {
	if a.l == nil {
		return
	}
	a.hooks = &hooksView{dir: cfg.Resolve(cfg.HooksDir)}
	invalidate := func(paths []string) (int, error) {
		lv := a.live.Load()
		if lv == nil {
			return 0, errors.New("the edge is still starting")
		}
		return lv.srv.Invalidate(paths)
	}
	a.srv = admin.New(admin.Options{Token: a.token, Traces: a.ring, Hooks: a.hooks.state, Invalidate: invalidate, Log: a.log})
	op.mount(a.srv)
	for _, mount := range a.mounts {
		mount(a.srv)
	}
	go admin.Serve(ctx, a.l, a.srv, a.log)
	trace := cfg.Admin.Trace
	if a.ring == nil {
		trace = config.TraceOff
	}
	a.log.Info("admin listener", "url", "http://"+a.addr()+"/", "trace", trace, "token", a.token != "")
}

// attach gives the admin API the running edge and its reloads.
func (a *adminListener) attach(lv *live, cfg *config.Config) {
	if a.l == nil {
		return
	}
	hs, srv := a.hooks, a.srv
	hs.set(lv.registry(), cfg.Resolve(cfg.HooksDir))
	lv.follow(func(o *reloadOutcome) {
		if o.kind == "config" && o.err == nil {
			hs.set(o.reg, o.cfg.Resolve(o.cfg.HooksDir))
		}
		if rl, news := hs.reload(o); news {
			srv.Reloaded(rl)
		}
	})
	a.live.Store(lv)
}

// hooksView is the admin API's view of the hooks registry, which a config reload may replace.
type hooksView struct {
	mu     sync.Mutex
	reg    *hooks.Registry
	dir    string
	failed bool // the last hooks reload failed (the next success is news even if it changed nothing)
}

func (h *hooksView) set(reg *hooks.Registry, dir string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reg, h.dir, h.failed = reg, dir, false
}

func (h *hooksView) state() admin.HooksState {
	h.mu.Lock()
	reg, dir := h.reg, h.dir
	h.mu.Unlock()
	st := admin.HooksState{Dir: dir, Behaviors: []admin.BehaviorHooks{}, Unbound: []string{}}
	var g *hooks.Generation
	if reg != nil {
		g = reg.Current()
	}
	if g == nil {
		return st
	}
	st.Generation = g.ID
	bound := map[string]bool{}
	for _, b := range g.Bound() {
		if n := len(st.Behaviors); n == 0 || st.Behaviors[n-1].Behavior != b.Behavior {
			st.Behaviors = append(st.Behaviors, admin.BehaviorHooks{Behavior: b.Behavior})
		}
		last := &st.Behaviors[len(st.Behaviors)-1]
		last.Hooks = append(last.Hooks, admin.BoundHook{Trigger: string(b.Trigger), File: b.File, Handler: b.Handler})
		bound[b.File] = true
	}
	for _, f := range g.ScriptFiles() {
		if !bound[f] {
			st.Unbound = append(st.Unbound, f)
		}
	}
	return st
}

// reload turns an outcome into the admin API's Reload, and says whether it is news: a failure
// already reported, or a rescan that found nothing new, is not.
func (h *hooksView) reload(o *reloadOutcome) (admin.Reload, bool) {
	rl := admin.Reload{Kind: o.kind, OK: o.err == nil, Why: o.why, CacheEmptied: o.cacheEmptied, CacheRemoved: o.cacheRemoved}
	h.mu.Lock()
	defer h.mu.Unlock()
	if o.kind == "hooks" {
		if o.reg != h.reg { // a registry a config reload has replaced
			return rl, false
		}
		wasFailed := h.failed
		h.failed = o.err != nil
		switch {
		case o.err != nil && o.res.Repeated, o.err == nil && !o.res.Changed && !wasFailed:
			return rl, false
		}
		rl.Files, rl.TookMS = o.res.Files, float64(o.res.Took.Microseconds())/1000
		if g := o.res.Generation; g != nil {
			rl.Generation = g.ID
		}
	}
	if o.err != nil {
		rl.Error = o.err.Error()
		rl.Problems = problems(o.err)
	}
	return rl, true
}

// problems lists a reload error's problems with their positions.
func problems(err error) []admin.Problem {
	var out []admin.Problem
	var ce config.Errors
	if errors.As(err, &ce) {
		for _, p := range ce {
			msg := p.Msg
			if p.Field != "" {
				msg = p.Field + ": " + msg
			}
			out = append(out, admin.Problem{File: p.File, Line: p.Line, Message: msg})
		}
		return out
	}
	for _, p := range hookProblems(err) {
		var se *jsruntime.ScriptError
		if errors.As(p, &se) {
			out = append(out, admin.Problem{File: se.File, Line: se.Line, Column: se.Col, Message: se.Message})
			continue
		}
		out = append(out, admin.Problem{Message: p.Error()})
	}
	return out
}

// guardCache empties the cache when a reload changes origin-hook code and
// watch.invalidate_on_reload is on: responses made by the old code would otherwise hide the
// edit until they expire.
func guardCache(lv *live, cfg *config.Config, log *slog.Logger) {
	if lv.srv.Cache() == nil {
		return
	}
	var cur *hooks.Generation
	reg := lv.registry()
	if reg != nil {
		cur = reg.Current()
	}
	guard, on := hooks.NewCacheGuard(cur), cfg.Watch.InvalidateOnReload.On
	lv.follow(func(o *reloadOutcome) {
		if o.err != nil {
			return
		}
		empty := false
		switch {
		case o.kind == "config":
			on = o.cfg.Watch.InvalidateOnReload.On
			if o.newHooks {
				reg = o.reg
				var next *hooks.Generation
				if reg != nil {
					next = reg.Current()
				}
				empty = guard.Replaced(next)
			}
		case o.reg == reg && o.res.Changed:
			empty = guard.Reloaded(o.res.Generation, o.res.Files)
		}
		if !empty || !on {
			return
		}
		n, _ := lv.srv.Invalidate([]string{"/*"})
		o.cacheEmptied, o.cacheRemoved = true, n
		log.Info("cache emptied: the reload changed origin-hook code (watch.invalidate_on_reload)", "kind", o.kind, "removed", n)
	})
}

// printInspector tells a demo user where to watch the requests.
func printInspector(w io.Writer, adminAddr string) {
	if adminAddr == "" {
		fmt.Fprint(w, "The inspector is off (admin listener off or its address taken; --admin ADDR picks one).\n")
		return
	}
	fmt.Fprintf(w, "Inspector: http://%s/ — every request above, hook by hook, live.\n", adminAddr)
}
