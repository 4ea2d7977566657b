// Package metrics exposes what the edge does as Prometheus metrics: an edge.Observer counts
// requests, origin attempts, failovers and hook calls from the same steps and summaries that
// traces and access logs see, and collectors read the cache, origin health and the serving
// hooks generation when /metrics is scraped. Label values are bounded: behaviors, origins and
// groups come from the config and hook files from the hooks folder, and the series of those
// that a reload removed are dropped (SetDistribution, SetHookFiles), so churn never grows them.
package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"

	"github.com/hookfront/hookfront/edge"
)

// Options say where the metrics that are read at scrape time come from.
type Options struct {
	Version string
	// Cache returns the cache's accounting; nil when there is no cache.
	Cache func() edge.Stats
	// Health returns the health of the origins in groups with health; nil without.
	Health func() []edge.MemberHealth
	// Generation returns the serving hooks generation (0 without hooks).
	Generation func() int64
	// Queues returns the write queues' state (write_failover.queue); nil without queues.
	Queues func() []QueueState
	// Shared returns the shared cache tier's state (cache.shared); nil without one.
	Shared func() SharedState
}

// SharedState is the shared cache tier as the metrics show it.
type SharedState struct {
	Up     bool   // the tier is in use: the store answers
	Errors uint64 // commands to the store that failed, since start
}

// QueueState is one group's write queue as the metrics show it.
type QueueState struct {
	Group         string
	Depth         int               // writes waiting or being delivered
	OldestSeconds float64           // age of the oldest waiting write; 0 when none
	Ended         map[string]uint64 // writes ended since start, by outcome (delivered, rejected, expired)
}

// Metrics is the edge's metrics registry and the Observer that fills it.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	originReqs *prometheus.CounterVec
	originDur  *prometheus.HistogramVec
	failovers  *prometheus.CounterVec
	hookCalls  *prometheus.CounterVec
	hookDur    *prometheus.HistogramVec
	reloads    *prometheus.CounterVec

	// The series requests use, found without WithLabelValues (series.go).
	behaviorC children[string, *labelled]
	originC   children[string, *labelled]
	hookC     children[string, *hookSeries]
	failC     children[[2]string, prometheus.Counter]
}

// Buckets, in seconds: a proxy's requests and hook calls are mostly well under a millisecond
// to a few ones, with a tail up to the origin and hook timeouts.
var (
	requestBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}
	hookBuckets    = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 30}
)

// New makes the registry with every metric, the Go and process collectors included.
func New(opt Options) *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookfront_requests_total",
		Help: "Viewer requests by behavior (path pattern), status code and cache result (hit, miss, refresh_hit, error, generated)."},
		[]string{"behavior", "code", "cache"})
	m.duration = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hookfront_request_duration_seconds",
		Help: "Time from a viewer request's start to its end, by behavior.", Buckets: requestBuckets}, []string{"behavior"})
	m.originReqs = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookfront_origin_requests_total",
		Help: "Origin attempts by origin and outcome: the status, or connect_error, timeout or reset."}, []string{"origin", "code"})
	m.originDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hookfront_origin_duration_seconds",
		Help: "Time of an origin attempt to its response headers (or its failure), by origin.", Buckets: requestBuckets}, []string{"origin"})
	m.failovers = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookfront_failovers_total",
		Help: "Requests sent on to a group's next member, by group and reason: status_NNN, connect_failure, timeout, error, or ejected (origin health skipped the member)."},
		[]string{"group", "reason"})
	m.hookCalls = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookfront_hook_invocations_total",
		Help: "Hook calls by trigger, file and result: continued, generated, execution_error, validation_error or limit_exceeded."},
		[]string{"trigger", "file", "result"})
	m.hookDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "hookfront_hook_duration_seconds",
		Help: "Time of a hook call, by trigger.", Buckets: hookBuckets}, []string{"trigger"})
	m.reloads = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "hookfront_reloads_total",
		Help: "Reloads by kind (hooks, config) and result (ok, error)."}, []string{"kind", "result"})
	build := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "hookfront_build_info",
		Help: "Always 1; the labels say which hookfront runs."}, []string{"version", "goversion"})
	build.WithLabelValues(opt.Version, runtime.Version()).Set(1)
	m.reg.MustRegister(m.requests, m.duration, m.originReqs, m.originDur, m.failovers, m.hookCalls, m.hookDur, m.reloads, build,
		&stateCollector{opt: opt},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, kind := range []string{"hooks", "config"} {
		for _, result := range []string{"ok", "error"} {
			m.reloads.WithLabelValues(kind, result) // present from the start, at 0
		}
	}
	return m
}

// Handler serves the metrics in Prometheus's text format (or OpenMetrics, when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// Reloaded counts a hooks or config reload that did something or failed.
func (m *Metrics) Reloaded(kind string, ok bool) {
	result := "ok"
	if !ok {
		result = "error"
	}
	m.reloads.WithLabelValues(kind, result).Inc()
}

// Observe follows every request. The Recorder keeps no state of its own: each step is counted
// as it comes, so one Recorder serves all requests and a request costs no allocation here.
func (m *Metrics) Observe(string, time.Time, *http.Request) edge.Recorder { return (*recorder)(m) }

type recorder Metrics

// BorrowsSummary: the summary is counted during End and not kept.
func (r *recorder) BorrowsSummary() {}

func (r *recorder) Detail() edge.Detail  { return edge.DetailSteps }
func (r *recorder) Cache(edge.CacheStep) {}
func (r *recorder) Page(edge.PageStep)   {}
func (r *recorder) Hook(s edge.HookStep) {
	hs := r.hookC.get(s.File, newHookSeries)
	p := hs.get(triggerIndex(s.Trigger), hookResult(s), func(t, res int) pair {
		return pair{r.hookCalls.WithLabelValues(string(triggers[t]), s.File, hookResults[res]), r.hookDur.WithLabelValues(string(triggers[t]))}
	})
	p.count.Inc()
	p.time.Observe(s.Duration.Seconds())
}

func (r *recorder) End(s *edge.Summary) {
	b := r.behaviorC.get(s.Behavior, func(b string) *labelled { return &labelled{time: r.duration.WithLabelValues(b)} })
	b.time.Observe(s.Duration.Seconds())
	cache := cacheResult(s.XCache)
	b.count(s.Status*numCacheResults+cache, func() prometheus.Counter {
		return r.requests.WithLabelValues(s.Behavior, code(s.Status), cacheResults[cache])
	}).Inc()
	for i := range s.Attempts {
		a := &s.Attempts[i]
		if a.Skipped != "" {
			r.failover(a.Group, a.Skipped)
			continue
		}
		if strings.HasPrefix(a.Error, "viewer_") {
			continue // the viewer's body failed on its way (viewer_body_timeout, …): nothing the origin did
		}
		o := r.originC.get(a.Origin, func(o string) *labelled { return &labelled{time: r.originDur.WithLabelValues(o)} })
		o.time.Observe(a.Duration.Seconds())
		c := originCode(a)
		o.count(c, func() prometheus.Counter { return r.originReqs.WithLabelValues(a.Origin, originCodeLabel(c)) }).Inc()
		if a.Failover != "" {
			r.failover(a.Group, failoverReason(a.Failover))
		}
	}
}

func (r *recorder) failover(group, reason string) {
	r.failC.get([2]string{group, reason}, func(k [2]string) prometheus.Counter { return r.failovers.WithLabelValues(k[0], k[1]) }).Inc()
}

// codes are the status codes as label values, made once: strconv would allocate per request.
var codes = func() []string {
	c := make([]string, 1000)
	for i := range c {
		c[i] = strconv.Itoa(i)
	}
	return c
}()

func code(status int) string {
	if status >= 0 && status < len(codes) {
		return codes[status]
	}
	return strconv.Itoa(status)
}

// The cache label's values.
const (
	cacheHit = iota
	cacheMiss
	cacheRefreshHit
	cacheError
	cacheGenerated
	numCacheResults
)

var cacheResults = [numCacheResults]string{"hit", "miss", "refresh_hit", "error", "generated"}

// cacheResult is the x-cache value as the cache label: a request that got no response (the
// viewer went away) counts as an error.
func cacheResult(xcache string) int {
	switch xcache {
	case "Hit from hookfront":
		return cacheHit
	case "Miss from hookfront":
		return cacheMiss
	case "RefreshHit from hookfront":
		return cacheRefreshHit
	case "LambdaGeneratedResponse from hookfront", "FunctionGeneratedResponse from hookfront":
		return cacheGenerated
	}
	return cacheError
}

// originCode is an attempt's outcome: its status, or a negative number for a failure without
// one (originCodeLabel names it).
func originCode(a *edge.AttemptStep) int {
	switch strings.TrimPrefix(a.Error, "body_") {
	case "":
		return a.Status
	case "connect_failure":
		return -1
	case "timeout":
		return -2
	}
	return -3
}

func originCodeLabel(c int) string {
	switch c {
	case -1:
		return "connect_error"
	case -2:
		return "timeout"
	case -3:
		return "reset"
	}
	return code(c)
}

func failoverReason(next string) string {
	if st, ok := strings.CutPrefix(next, "status "); ok {
		return "status_" + st
	}
	return next
}

// The result label's values.
var hookResults = [...]string{"continued", "generated", "execution_error", "validation_error", "limit_exceeded"}

func hookResult(s edge.HookStep) int {
	switch s.Outcome {
	case edge.HookContinued:
		return 0
	case edge.HookGenerated:
		return 1
	}
	switch s.Class {
	case "LambdaValidationError":
		return 3
	case "LambdaLimitExceeded":
		return 4
	}
	return 2
}

// Known is what the running config names: the label values that may stay.
type Known struct {
	Behaviors, Origins, Groups []string
}

// SetDistribution drops the series of behaviors, origins and groups the config no longer has.
func (m *Metrics) SetDistribution(k Known) {
	prune(m.requests, "behavior", k.Behaviors)
	prune(m.duration, "behavior", k.Behaviors)
	prune(m.originReqs, "origin", k.Origins)
	prune(m.originDur, "origin", k.Origins)
	prune(m.failovers, "group", k.Groups)
	m.behaviorC.reset()
	m.originC.reset()
	m.failC.reset()
}

// SetHookFiles drops the series of hook files the serving generation no longer binds: each
// generation resets the file label values to its own.
func (m *Metrics) SetHookFiles(files []string) {
	prune(m.hookCalls, "file", files)
	m.hookC.reset()
}

type vec interface {
	prometheus.Collector
	DeletePartialMatch(prometheus.Labels) int
}

// prune deletes the series whose label is not one of keep.
func prune(v vec, label string, keep []string) {
	ok := make(map[string]bool, len(keep))
	for _, k := range keep {
		ok[k] = true
	}
	ch := make(chan prometheus.Metric, 64)
	go func() { v.Collect(ch); close(ch) }()
	gone := map[string]bool{}
	for metric := range ch {
		var d dto.Metric
		if metric.Write(&d) != nil {
			continue
		}
		for _, lp := range d.GetLabel() {
			if lp.GetName() == label && !ok[lp.GetValue()] {
				gone[lp.GetValue()] = true
			}
		}
	}
	for value := range gone {
		v.DeletePartialMatch(prometheus.Labels{label: value})
	}
}
