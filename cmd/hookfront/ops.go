package main

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"reflect"
	"sync/atomic"

	"github.com/hookfront/hookfront/admin"
	"github.com/hookfront/hookfront/cmd/hookfront/config"
	"github.com/hookfront/hookfront/edge"
	"github.com/hookfront/hookfront/edge/accesslog"
	"github.com/hookfront/hookfront/edge/metrics"
	"github.com/hookfront/hookfront/edge/sharedcache"
	"github.com/hookfront/hookfront/edge/writequeue"
	"github.com/hookfront/hookfront/hooks"
)

// ops is what operators watch and steer a running edge by, besides the inspector: readiness
// (/healthz, /readyz), Prometheus metrics (/metrics), origin health (/api/health) and the
// access log's output. It exists from before the edge starts, so that /readyz can say
// "starting", until after the drain, so that it can say "draining".
type ops struct {
	log   *slog.Logger
	state atomic.Int32

	metrics *metrics.Metrics // nil: metrics off (no admin listener, or admin.metrics: false)
	// The access log: out is its file or standard output (nil: the process log on stderr, the
	// default); accessLog is the logger of its slog formats; cloudfront the Observer of that one.
	out        *accesslog.Output
	accessLog  *slog.Logger
	cloudfront *accesslog.CloudFront
	accessCfg  *config.AccessLog // as started: it cannot change while running

	srv atomic.Pointer[edge.Server]
	// shared is the shared cache tier, once the edge is attached (nil without cache.shared).
	shared atomic.Pointer[sharedcache.Store]
	reg    atomic.Pointer[hooks.Registry] // the hooks registry serving (nil without hooks)
}

// Readiness states.
const (
	stateStarting = iota
	stateReady
	stateDraining
)

// newOps opens the access log and makes the metrics registry (when the admin listener is on).
func newOps(cfg *config.Config, log *slog.Logger, adminOn bool, wq *writequeue.Manager) (*ops, error) {
	o := &ops{log: log}
	if adminOn && cfg.Admin.Metrics.On {
		mo := metrics.Options{Version: version, Health: o.health, Generation: o.generation}
		if wq != nil {
			mo.Queues = func() []metrics.QueueState { return queueStates(wq) }
		}
		if cacheBytes(cfg) >= 0 {
			mo.Cache = func() edge.Stats {
				if s := o.srv.Load(); s != nil {
					return s.Cache().Stats()
				}
				return edge.Stats{}
			}
		}
		if cfg.Cache.Shared.On() && cacheBytes(cfg) >= 0 {
			mo.Shared = o.sharedState
		}
		o.metrics = metrics.New(mo)
	}
	al := cfg.AccessLog
	o.accessCfg = al
	if al == nil {
		return o, nil
	}
	var header []byte
	if al.Format == config.AccessLogCloudFront {
		header = accesslog.CloudFrontHeader
	}
	out, err := accesslog.Open(cfg.AccessLogPath(), header, os.Stdout)
	if err != nil {
		return nil, err
	}
	o.out = out
	switch al.Format {
	case config.AccessLogJSON:
		o.accessLog = slog.New(slog.NewJSONHandler(out, nil))
	case config.AccessLogCloudFront:
		o.accessLog = slog.New(slog.DiscardHandler)
		o.cloudfront = accesslog.NewCloudFront(out, cfg.DomainName, al.Cookies)
	default:
		o.accessLog = slog.New(slog.NewTextHandler(out, nil))
	}
	return o, nil
}

// health is the origin health of the running edge (none before it runs).
func (o *ops) health() []edge.MemberHealth {
	if s := o.srv.Load(); s != nil {
		return s.Health()
	}
	return []edge.MemberHealth{}
}

func (o *ops) generation() int64 {
	if reg := o.reg.Load(); reg != nil {
		if g := reg.Current(); g != nil {
			return g.ID
		}
	}
	return 0
}

// edgeOptions are the edge's observers (the admin listener's, and the metrics and access log
// here) and where its access-log lines go.
func (o *ops) edgeOptions(observers []edge.Observer) edge.Options {
	if o.metrics != nil {
		observers = append(observers, o.metrics)
	}
	if o.cloudfront != nil {
		observers = append(observers, o.cloudfront)
	}
	return edge.Options{Observers: observers, AccessLog: o.accessLog}
}

// mount adds the operators' endpoints to the admin listener; /healthz and /readyz answer
// without the token (they tell nothing else, and probes carry no secrets).
func (o *ops) mount(srv *admin.Server) {
	srv.HandlePublic("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		admin.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	}))
	srv.HandlePublic("GET /readyz", http.HandlerFunc(o.readyz))
	srv.Handle("GET /api/health", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		admin.WriteJSON(w, http.StatusOK, map[string]any{"origins": o.health()})
	}))
	if o.metrics != nil {
		srv.Handle("GET /metrics", o.metrics.Handler())
	}
}

// readyz is 200 while the edge serves; 503 before its hooks are loaded and it listens, and from
// the moment SIGTERM (or SIGINT) arrives, so that a load balancer stops sending before the drain
// ends.
func (o *ops) readyz(w http.ResponseWriter, r *http.Request) {
	switch o.state.Load() {
	case stateReady:
		admin.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	case stateDraining:
		admin.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "draining", "error": "the edge is shutting down"})
	default:
		admin.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting", "error": "the edge is loading its hooks"})
	}
}

// sharedState is the shared tier's state for the metrics: down until the edge is attached.
func (o *ops) sharedState() metrics.SharedState {
	st := metrics.SharedState{}
	if s := o.shared.Load(); s != nil {
		stats := s.Stats()
		st.Up, st.Errors = stats.Up, stats.Errors
	}
	return st
}

// attach connects ops to the running edge: metrics read it and follow its reloads.
func (o *ops) attach(lv *live) {
	o.srv.Store(lv.srv)
	if lv.shared != nil {
		o.shared.Store(lv.shared.store)
	}
	if reg := lv.registry(); reg != nil {
		o.reg.Store(reg)
	}
	if o.metrics != nil {
		o.metrics.SetDistribution(known(lv.srv.Distribution()))
		o.metrics.SetHookFiles(boundFiles(o.reg.Load()))
	}
	lv.follow(o.reloaded)
}

// reloaded follows reloads: metrics count them and drop the label values they retired. It runs
// while live holds its lock: it reads only the outcome and the edge.
func (o *ops) reloaded(r *reloadOutcome) {
	if r.kind == "config" {
		if r.err == nil {
			if r.newHooks {
				o.reg.Store(r.reg)
			}
			if o.cloudfront != nil {
				o.cloudfront.SetDomain(r.cfg.DomainName)
			}
			if !reflect.DeepEqual(o.accessCfg, r.cfg.AccessLog) {
				o.log.Warn("access_log cannot change while running; restart to use the new one")
			}
		}
		if o.metrics != nil {
			o.metrics.Reloaded("config", r.err == nil)
			if r.err == nil {
				o.metrics.SetDistribution(known(o.srv.Load().Distribution()))
				if r.newHooks {
					o.metrics.SetHookFiles(boundFiles(r.reg))
				}
			}
		}
		return
	}
	if o.metrics == nil || r.reg != o.reg.Load() { // a registry a config reload retired
		return
	}
	switch {
	case r.err != nil && !r.res.Repeated:
		o.metrics.Reloaded("hooks", false)
	case r.err == nil && r.res.Changed:
		o.metrics.Reloaded("hooks", true)
		o.metrics.SetHookFiles(boundFiles(r.reg))
	}
}

// known is what the distribution names, for the metrics' label values.
func known(d *edge.Distribution) metrics.Known {
	var k metrics.Known
	for _, b := range d.Behaviors {
		k.Behaviors = append(k.Behaviors, b.ID())
	}
	for _, or := range d.Origins {
		k.Origins = append(k.Origins, or.ID)
	}
	for _, g := range d.Groups {
		k.Groups = append(k.Groups, g.ID)
	}
	return k
}

// boundFiles are the hook files the registry's serving generation binds.
func boundFiles(reg *hooks.Registry) []string {
	var files []string
	if reg == nil {
		return nil
	}
	if g := reg.Current(); g != nil {
		for _, b := range g.Bound() {
			files = append(files, b.File)
		}
	}
	return files
}

// setReady and setDraining move readiness on.
func (o *ops) setReady()    { o.state.Store(stateReady) }
func (o *ops) setDraining() { o.state.Store(stateDraining) }

// reopen opens the access log's file again (SIGUSR1, after logrotate moved it).
func (o *ops) reopen() {
	if o.out == nil || o.out.Path() == "" {
		o.log.Info("SIGUSR1: the access log goes to no file; nothing to reopen")
		return
	}
	if err := o.out.Reopen(); err != nil {
		o.log.Error("SIGUSR1: the access log could not be reopened; it goes on in the old file", "file", o.out.Path(), "error", err)
		return
	}
	o.log.Info("access log reopened", "file", o.out.Path())
}

// close closes the access log's file.
func (o *ops) close() {
	if o.out != nil {
		if err := o.out.Close(); err != nil {
			o.log.Warn("closing the access log", "error", fmt.Sprint(err))
		}
	}
}
